import { parseArgs } from 'node:util';
import { createAdminService } from '../admin/service.ts';
import { openDatabase } from '../db/client.ts';
import { ConfigError, loadConfig } from '../env.ts';
import { ApiError } from '../http/errors.ts';
import { createLogger } from '../logger.ts';
import { createHostEventOutbox } from '../host/host-event-outbox.ts';
import { createRealtimeOutbox } from '../realtime/outbox.ts';
import { createSessionViews } from '../sessions/session-views.ts';
import { ADMIN_USAGE, needsJobQueue, runAdminCommand } from './admin-commands.ts';
import { noJobQueue } from './no-job-queue.ts';

// `npm run admin -- …`: what an admin does, without writing HTTP by hand.
// `policy` writes Chrome policy files: no database, no backend configuration. Loaded only for it (ajv, plist).
if (process.argv[2] === 'policy') {
  try {
    const { runPolicyCommand } = await import('../../release/policy-command.ts');
    console.log(runPolicyCommand(process.argv.slice(3)));
    process.exit(0);
  } catch (error) {
    console.error(`Error: ${(error as Error).message}`);
    process.exit(1);
  }
}

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: {
    name: { type: 'string' },
    email: { type: 'string' },
    employment: { type: 'string' },
    'google-email': { type: 'string' },
    solver: { type: 'string' },
    'customer-name': { type: 'string' },
    'customer-phone': { type: 'string' },
    phone: { type: 'string' },
    id: { type: 'string' },
    all: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  },
});

if (values.help || positionals.length === 0) {
  console.log(ADMIN_USAGE);
  process.exit(0);
}

try {
  const config = loadConfig(process.env);
  // Errors only: the CLI's own output is the answer.
  const log = { ...createLogger(), info: () => {} };
  const database = await openDatabase(config.database);
  // A command that only reads leaves pg-boss alone, not even loaded (~0.2 s); one that writes queues its jobs in its
  // own transaction.
  const queue = needsJobQueue(positionals)
    ? await (await import('../jobs/job-queue.ts')).startJobQueue(database, log, { supervise: false, registerInstance: false })
    : noJobQueue(positionals.join(' '));
  try {
    const realtime = createRealtimeOutbox(queue, Boolean(config.ably), config.channels);
    const admin = createAdminService({
      db: database.db,
      queue,
      realtime,
      deadLetters: queue.deadLetters,
      hostEvents: createHostEventOutbox(queue, Boolean(config.host.eventsUrl)),
      views: createSessionViews(database.db, { customerJoinNudgeMinutes: config.meetSpace.customerJoinNudgeMinutes }),
      defaultPhoneRegion: config.defaultPhoneRegion,
    });
    console.log(await runAdminCommand(admin, positionals, values, { db: database.db, realtime }));
  } finally {
    await queue.stop();
    await database.close();
  }
} catch (error) {
  if (error instanceof ApiError || error instanceof ConfigError) {
    console.error(`Error: ${error.message}`);
    process.exit(1);
  }
  throw error;
}
