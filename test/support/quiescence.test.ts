import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type DatabaseHandle } from '../../backend/db/client.ts';
import { sessions, smsDeliveries, solvers } from '../../backend/db/schema.ts';
import { startJobQueue, type JobQueue } from '../../backend/jobs/job-queue.ts';
import { createMemoryLogger } from '../../backend/logger.ts';
import { openMemoryPglite } from './pglite-template.ts';
import { createScratchDatabase, postgresAvailable, warnPostgresSkipped } from './postgres.ts';
import { pendingWork, waitForQuiescence, type PendingWork } from './quiescence.ts';

// The helper every absence assertion relies on: it must see each kind of pending work, on both databases.
const hasPostgres = await postgresAvailable();
if (!hasPostgres) warnPostgresSkipped('quiescence on Postgres');

describe.each(hasPostgres ? (['pglite', 'postgres'] as const) : (['pglite'] as const))('quiescence on %s', (kind) => {
  let database: DatabaseHandle;
  let queue: JobQueue;
  let drop: (() => Promise<void>) | undefined;
  let solverId: string;
  let beforeQueue: PendingWork;

  beforeAll(async () => {
    if (kind === 'postgres') {
      const scratch = await createScratchDatabase();
      drop = scratch.drop;
      database = await openDatabase({ kind: 'postgres', url: scratch.url });
    } else database = await openMemoryPglite();
    beforeQueue = await pendingWork(database.db); // no pgboss schema yet
    queue = await startJobQueue(database, createMemoryLogger().logger, { pollingIntervalSeconds: 0.5 });
    const [solver] = await database.db.insert(solvers).values({ name: 'Ada', email: 'ada@example.com' }).returning();
    solverId = solver!.id;
  });
  afterAll(async () => {
    await queue?.stop();
    await database?.close();
    await drop?.();
  });

  const newSession = async (values: Partial<typeof sessions.$inferInsert> = {}) =>
    (
      await database.db
        .insert(sessions)
        .values({ solverId, customerName: 'Grace', customerPhone: '+14155550123', ...values })
        .returning()
    )[0]!.id;

  it('is idle on an empty database, with or without pg-boss', async () => {
    expect(beforeQueue).toEqual({ fanouts: 0, sms: 0, hostEvents: 0, meetSpaces: 0, jobs: [] });
    await waitForQuiescence(database.db, { timeoutMs: 1_000 });
  });

  it('sees a pending fan-out, an SMS waiting and its job, scoped to their session', async () => {
    const busy = await newSession({ fanoutPending: true });
    const other = await newSession();
    await database.db.transaction(async (tx) => {
      const [delivery] = await tx.insert(smsDeliveries).values({ sessionId: busy, toNumber: '+14155550123', body: 'hi' }).returning();
      await queue.enqueue(tx, 'sms.send', { deliveryId: delivery!.id });
      await queue.enqueue(tx, 'calendar.end-event', { sessionId: busy }, { startAfterSeconds: 3_600 });
    });
    expect(await pendingWork(database.db, { sessionId: busy })).toEqual({
      fanouts: 1,
      sms: 1,
      hostEvents: 0,
      meetSpaces: 0,
      jobs: ['calendar.end-event:created', 'sms.send:created'],
    });
    expect(await pendingWork(database.db, { sessionId: busy, ignoreQueues: ['calendar.end-event'] })).toMatchObject({
      jobs: ['sms.send:created'],
    });
    expect(await pendingWork(database.db, { sessionId: other })).toEqual({ fanouts: 0, sms: 0, hostEvents: 0, meetSpaces: 0, jobs: [] });
    await expect(waitForQuiescence(database.db, { sessionId: busy, timeoutMs: 200 })).rejects.toThrow(/still pending.*sms\.send:created/);
  });

  it('returns once the work is done: the fan-out claimed, the SMS sent, the jobs worked', async () => {
    const sessionId = await newSession({ fanoutPending: true });
    let deliveryId = '';
    await database.db.transaction(async (tx) => {
      const [delivery] = await tx.insert(smsDeliveries).values({ sessionId, toNumber: '+14155550123', body: 'hi' }).returning();
      deliveryId = delivery!.id;
      await queue.enqueue(tx, 'sms.send', { deliveryId });
    });
    const sent: string[] = [];
    // A job that fails once waits in `retry` with its next attempt in the future: still pending.
    await queue.work('sms.send', async (data, { attempt }) => {
      if (attempt === 1) throw new Error('Twilio is down');
      await database.db.update(smsDeliveries).set({ status: 'sent' }).where(eq(smsDeliveries.id, data.deliveryId));
      sent.push(data.deliveryId);
    });
    await database.db.update(sessions).set({ fanoutPending: false }).where(eq(sessions.id, sessionId));
    await waitForQuiescence(database.db, { sessionId });
    expect(sent.filter((id) => id === deliveryId)).toHaveLength(1);
    expect(await pendingWork(database.db, { sessionId })).toEqual({ fanouts: 0, sms: 0, hostEvents: 0, meetSpaces: 0, jobs: [] });
  });
});
