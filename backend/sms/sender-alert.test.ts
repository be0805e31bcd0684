import { randomBytes } from 'node:crypto';
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createScratchDatabase, postgresAvailable, warnPostgresSkipped } from '../../test/support/postgres.ts';
import { openDatabase, type DatabaseHandle } from '../db/client.ts';
import { hostEvents, sessions, smsAlerts, smsDeliveries, solvers } from '../db/schema.ts';
import { createHostEventOutbox } from '../host/host-event-outbox.ts';
import { startJobQueue, type JobQueue } from '../jobs/job-queue.ts';
import { createMemoryLogger } from '../logger.ts';
import { createRealtimeOutbox } from '../realtime/outbox.ts';
import { applyTwilioStatus } from './delivery-status.ts';

// The sender alert's once-per-code rule across instances: two backends (two pools, two queues) on one Postgres.
const hasPostgres = await postgresAvailable();
if (!hasPostgres) warnPostgresSkipped('sms: sender alerts across instances');

describe.runIf(hasPostgres)('the sender alert, on two instances at once', () => {
  let scratch: { url: string; drop(): Promise<void> };
  const instances: { handle: DatabaseHandle; queue: JobQueue; logs: string[]; apply: (sid: string, code: string) => Promise<boolean> }[] =
    [];
  let sessionId: string;

  beforeAll(async () => {
    scratch = await createScratchDatabase();
    for (let i = 0; i < 2; i++) {
      const handle = await openDatabase({ kind: 'postgres', url: scratch.url });
      const { logger, lines } = createMemoryLogger();
      const queue = await startJobQueue(handle, logger);
      const effects = { realtime: createRealtimeOutbox(queue, false), hostEvents: createHostEventOutbox(queue, true), queue, log: logger };
      instances.push({
        handle,
        queue,
        logs: lines,
        apply: (sid, code) => applyTwilioStatus(handle.db, effects, { messageSid: sid, messageStatus: 'undelivered', errorCode: code }),
      });
    }
    const db = instances[0]!.handle.db;
    const [solver] = await db.insert(solvers).values({ name: 'Ada', email: 'ada@example.com', employment: 'employed' }).returning();
    const [session] = await db
      .insert(sessions)
      .values({ solverId: solver!.id, customerName: 'Grace', customerPhone: '+14155550123' })
      .returning();
    sessionId = session!.id;
  });
  afterAll(async () => {
    for (const { queue, handle } of instances) {
      await queue.stop();
      await handle.close();
    }
    await scratch?.drop();
  });

  /** `count` deliveries Twilio accepted, each with its sid. */
  const accepted = async (count: number) => {
    const sids = Array.from({ length: count }, () => `SM${randomBytes(16).toString('hex')}`);
    await instances[0]!.handle.db
      .insert(smsDeliveries)
      .values(sids.map((twilioSid) => ({ sessionId, toNumber: '+14155550123', body: 'hi', status: 'accepted' as const, twilioSid })));
    return sids;
  };
  const alerts = async (code: string) =>
    (await instances[0]!.handle.db.select().from(hostEvents).where(eq(hostEvents.type, 'sms.sender_problem'))).filter(
      (event) => (event.data as { errorCode: string }).errorCode === code,
    );
  const alertLines = (code: string) =>
    instances.flatMap((instance) => instance.logs).filter((line) => line.includes('sms sender problem') && line.includes(code));

  it('alerts once for many failures with one code at the same moment, whichever instance takes each callback', async () => {
    const sids = await accepted(6);
    expect(await Promise.all(sids.map((sid, index) => instances[index % 2]!.apply(sid, '30034')))).toEqual(sids.map(() => true));
    expect(await alerts('30034')).toHaveLength(1);
    expect(alertLines('30034')).toHaveLength(1);
    expect(alertLines('30034')[0]).toContain('A2P 10DLC');
  });

  it('alerts again for another code, and for the same code once 10 minutes have passed', async () => {
    const [other, later, soon] = await accepted(3);
    await instances[1]!.apply(other!, '30007');
    expect(await alerts('30007')).toHaveLength(1);
    await instances[1]!.apply(soon!, '30034');
    expect(await alerts('30034')).toHaveLength(1);
    await instances[0]!.handle.db
      .update(smsAlerts)
      .set({ lastAlertedAt: sql`now() - interval '11 minutes'` })
      .where(eq(smsAlerts.errorCode, '30034'));
    await instances[0]!.apply(later!, '30034');
    expect(await alerts('30034')).toHaveLength(2);
  });
});
