import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { meetSmsBody, sessionChannel } from '../../shared/index.ts';
import type { DatabaseHandle } from '../db/client.ts';
import { auditEvents, hostEvents, sessions, smsDeliveries, solvers } from '../db/schema.ts';
import type { JobName, JobQueue } from '../jobs/job-queue.ts';
import { createMemoryLogger } from '../logger.ts';
import { createHostEventOutbox } from '../host/host-event-outbox.ts';
import { createRealtimeOutbox } from '../realtime/outbox.ts';
import { createSmsOutbox } from '../sms/sms-outbox.ts';
import { createLinkFanout } from './link-fanout.ts';
import { createLinkStore } from './link-store.ts';
import { openMemoryPglite } from '../../test/support/pglite-template.ts';

// The session row as the outbox: a stored link turns into its SMS, messages and audit entry exactly once.
const LINK = 'https://meet.google.com/abc-defg-hij';
let database: DatabaseHandle;
let solverId: string;
let jobs: { name: JobName; data: unknown }[];
let failEnqueue: boolean;

const recordingQueue: JobQueue = {
  async enqueue(_tx, name, data) {
    if (failEnqueue) throw new Error('queue unavailable');
    jobs.push({ name, data });
  },
  async work() {},
  async schedule() {},
  wake() {},
  async stop() {},
};

beforeAll(async () => {
  database = await openMemoryPglite();
  const [solver] = await database.db.insert(solvers).values({ name: 'Ada', email: 'ada@example.com', employment: 'employed' }).returning();
  solverId = solver!.id;
});
afterAll(async () => {
  await database?.close();
});
beforeEach(() => {
  jobs = [];
  failEnqueue = false;
});

const { logger, lines } = createMemoryLogger();
const fanout = () =>
  createLinkFanout({
    db: database.db,
    sms: createSmsOutbox(recordingQueue, true),
    realtime: createRealtimeOutbox(recordingQueue, true),
    hostEvents: createHostEventOutbox(recordingQueue, true),
    queue: recordingQueue,
    log: logger,
  });

async function sessionWithStoredLink(): Promise<string> {
  const [session] = await database.db
    .insert(sessions)
    .values({ solverId, customerName: 'Grace', customerPhone: '+14155550123' })
    .returning();
  expect(
    await createLinkStore({ db: database.db }).store(session!.id, { meetLink: LINK, source: 'calendar', calendarId: 'ada@example.com' }),
  ).toBe(true);
  return session!.id;
}
const smsRows = (sessionId: string) => database.db.select().from(smsDeliveries).where(eq(smsDeliveries.sessionId, sessionId));
const pending = async (sessionId: string) =>
  (await database.db.select({ pending: sessions.fanoutPending }).from(sessions).where(eq(sessions.id, sessionId)))[0]!.pending;

describe('Meet link fan-out', () => {
  it('stores a link only once, marked pending', async () => {
    const sessionId = await sessionWithStoredLink();
    expect(await pending(sessionId)).toBe(true);
    expect(
      await createLinkStore({ db: database.db }).store(sessionId, { meetLink: 'https://meet.google.com/xxx-yyyy-zzz', source: 'captured' }),
    ).toBe(false);
  });

  it("queues one SMS, the system message, session.updated, the host's meet_link.created and one audit entry, even when two instances race", async () => {
    const sessionId = await sessionWithStoredLink();
    const results = await Promise.all([fanout().fanOut(sessionId), fanout().fanOut(sessionId)]);
    expect(results.sort()).toEqual([false, true]);
    expect(await pending(sessionId)).toBe(false);

    const [sms, ...more] = await smsRows(sessionId);
    expect(more).toHaveLength(0);
    expect(sms).toMatchObject({ toNumber: '+14155550123', body: meetSmsBody('Ada', LINK), status: 'queued' });
    expect(jobs.map((job) => job.name).sort()).toEqual(['host.deliver', 'realtime.publish', 'realtime.publish', 'sms.send']);
    const [hostEvent, ...moreEvents] = await database.db.select().from(hostEvents).where(eq(hostEvents.sessionId, sessionId));
    expect(moreEvents).toHaveLength(0);
    expect(hostEvent).toMatchObject({
      type: 'meet_link.created',
      status: 'pending',
      data: { sessionId, meetLink: LINK, source: 'calendar' },
    });
    expect(jobs).toContainEqual({ name: 'host.deliver', data: { eventId: hostEvent!.id } });
    expect(jobs).toContainEqual({ name: 'sms.send', data: { deliveryId: sms!.id } });
    expect(jobs.find((job) => (job.data as { channel?: string }).channel === sessionChannel(sessionId))).toBeDefined();
    const audit = await database.db.select().from(auditEvents).where(eq(auditEvents.sessionId, sessionId));
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({
      action: 'meet_link.created',
      details: { source: 'calendar', delegationSubject: 'ada@example.com', sms: 'queued' },
    });
  });

  it('leaves young pending links to their request and sweeps up the ones left behind', async () => {
    const sessionId = await sessionWithStoredLink();
    const worker = fanout();
    expect(await worker.sweep()).toBe(0);
    expect(await pending(sessionId)).toBe(true);
    expect(await worker.sweep(0)).toBeGreaterThanOrEqual(1);
    expect(await pending(sessionId)).toBe(false);
    expect(await smsRows(sessionId)).toHaveLength(1);
    expect(await worker.sweep(0)).toBe(0);
  });

  it('keeps the link pending when the fan-out fails, and logs it, so the sweep delivers it later', async () => {
    const sessionId = await sessionWithStoredLink();
    const worker = fanout();
    failEnqueue = true;
    worker.fanOutSoon(sessionId);
    await worker.stop();
    expect(await pending(sessionId)).toBe(true);
    expect(await smsRows(sessionId)).toHaveLength(0);
    expect(lines.some((line) => line.includes('fan-out failed') && line.includes(sessionId))).toBe(true);

    failEnqueue = false;
    expect(await worker.sweep(0)).toBe(1);
    expect(await smsRows(sessionId)).toHaveLength(1);
  });
});
