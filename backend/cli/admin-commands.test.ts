import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createScratchDatabase, postgresAvailable, warnPostgresSkipped } from '../../test/support/postgres.ts';
import { createAdminService, type AdminService } from '../admin/service.ts';
import { openDatabase, type DatabaseHandle } from '../db/client.ts';
import { startJobQueue, type JobQueue } from '../jobs/job-queue.ts';
import { createMemoryLogger } from '../logger.ts';
import { createRealtimeOutbox } from '../realtime/outbox.ts';
import { runAdminCommand } from './admin-commands.ts';

const hasPostgres = await postgresAvailable();
if (!hasPostgres) warnPostgresSkipped('admin CLI commands on postgres');

describe.each([
  ['pglite', true],
  ['postgres', hasPostgres],
] as const)('admin CLI commands on %s', (kind, available) => {
  let database: DatabaseHandle;
  let scratch: { url: string; drop(): Promise<void> } | undefined;
  let queue: JobQueue;
  let admin: AdminService;

  beforeAll(async () => {
    if (!available) return;
    scratch = kind === 'postgres' ? await createScratchDatabase() : undefined;
    database = await openDatabase(scratch ? { kind: 'postgres', url: scratch.url } : { kind: 'pglite', dataDir: 'memory://' });
    queue = await startJobQueue(database, createMemoryLogger().logger);
    admin = createAdminService({ db: database.db, queue, realtime: createRealtimeOutbox(queue, false) });
  });
  afterAll(async () => {
    await queue?.stop();
    await database?.close();
    await scratch?.drop();
  });
  beforeEach((context) => {
    if (!available) context.skip();
  });

  const run = (line: string, flags: Record<string, string | boolean> = {}) => runAdminCommand(admin, line.split(' '), flags);

  it('adds, updates and lists solvers with the admin API validation', async () => {
    const added = await run('solvers add', {
      name: 'Ada',
      email: 'Ada@Example.com',
      employment: 'employed',
      'google-email': 'ada@example.com',
    });
    expect(added).toMatch(/ada@example\.com\s+employed\s+ada@example\.com/);
    const id = /[0-9a-f]{8}-[0-9a-f-]{27}/.exec(added)![0];
    await expect(run('solvers add', { name: 'Ada 2', email: 'ada@example.com', employment: 'contract' })).rejects.toThrow(
      'A solver with email ada@example.com already exists.',
    );
    await expect(run('solvers add', { name: 'X', email: 'nope', employment: 'w2' })).rejects.toThrow(
      /email: must be an email address; employment/,
    );
    expect(await run(`solvers update ${id}`, { employment: 'contract', 'google-email': 'none' })).toMatch(
      /ada@example\.com\s+contract\s+—/,
    );
    expect(await run('solvers list')).toContain(id);
  });

  it('adds, lists, shows and ends sessions', async () => {
    const solverId = /[0-9a-f]{8}-[0-9a-f-]{27}/.exec(
      await run('solvers add', { name: 'Bob', email: 'bob@example.com', employment: 'employed' }),
    )![0];
    await expect(run('sessions add', { solver: solverId, 'customer-name': 'Grace', 'customer-phone': '555-1234' })).rejects.toThrow(
      /E\.164/,
    );
    const sessionId = /[0-9a-f]{8}-[0-9a-f-]{27}/.exec(
      await run('sessions add', { solver: solverId, 'customer-name': 'Grace', 'customer-phone': '+14155550123' }),
    )![0];
    expect(await run('sessions list')).toMatch(new RegExp(`${sessionId}\\s+active\\s+Grace`));
    expect(JSON.parse(await run(`sessions show ${sessionId}`))).toMatchObject({ id: sessionId, customerPhone: '+14155550123' });
    expect(await run(`sessions end ${sessionId}`)).toBe(`Session ${sessionId} is ended.`);
    expect(await run('sessions list')).not.toContain(sessionId);
    expect(await run('sessions list', { all: true })).toMatch(new RegExp(`${sessionId}\\s+ended`));
    await expect(run('sessions end not-a-uuid')).rejects.toThrow('the id must be a UUID');
    await expect(run('sessions fly')).rejects.toThrow(/Unknown command "sessions fly"/);
  });
});
