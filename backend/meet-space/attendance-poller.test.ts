import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { DatabaseHandle } from '../db/client.ts';
import { auditEvents, hostEvents, meetEventSubscriptions, meetSpaces, sessions, solvers } from '../db/schema.ts';
import { createHostEventOutbox } from '../host/host-event-outbox.ts';
import type { JobName, JobQueue } from '../jobs/job-queue.ts';
import { createMemoryLogger } from '../logger.ts';
import type { SubscriptionResult, WorkspaceEvents } from '../meet-events/google-workspace-events.ts';
import { createSpaceSubscriptions, spaceTarget } from '../meet-events/space-subscriptions.ts';
import { createRealtimeOutbox } from '../realtime/outbox.ts';
import { createAttendancePoller } from './attendance-poller.ts';
import type { MeetConference, MeetSpaces } from './google-meet-spaces.ts';
import { MeetSpaceFailure } from './meet-space-failure.ts';
import { createSpaceSetupWorker } from './space-setup-worker.ts';
import { openMemoryPglite } from '../../test/support/pglite-template.ts';

// The poll chain and the access step against PGlite, with Meet stubbed (the integration suite uses the emulator).
let database: DatabaseHandle;
let solverId: string;
let jobs: { name: JobName; data: unknown; startAfterSeconds?: number }[];
let conferenceCalls: number;
let answer: () => Promise<MeetConference[]>;
const queue: JobQueue = {
  async enqueue(_tx, name, data, options) {
    jobs.push({ name, data, startAfterSeconds: options?.startAfterSeconds });
  },
  async work() {},
  async schedule() {},
  wake() {},
  async stop() {},
};
const spaces: MeetSpaces & { patched: string[] } = {
  patched: [],
  async resolve(_subject, meetingCode) {
    return { name: `spaces/id-${meetingCode}`, meetingCode, accessType: 'TRUSTED' };
  },
  async setAccessType(_subject, name, accessType) {
    spaces.patched.push(`${name}=${accessType}`);
  },
  async conferences() {
    conferenceCalls += 1;
    return answer();
  },
  async conferenceRecord() {
    throw new Error('the poller never reads a single conference record');
  },
  async participants() {
    throw new Error("the poller never reads a single record's participants");
  },
};
const deps = () => ({
  db: database.db,
  spaces,
  realtime: createRealtimeOutbox(queue, false),
  hostEvents: createHostEventOutbox(queue, false),
  queue,
  log: createMemoryLogger().logger,
});
const context = { attempt: 1, isLastAttempt: false };

async function liveSession(linkAgeMinutes = 1, status: 'active' | 'ended' = 'active') {
  const [session] = await database.db
    .insert(sessions)
    .values({
      solverId,
      customerName: 'Grace',
      customerPhone: '+14155550123',
      status,
      meetLink: 'https://meet.google.com/abc-defg-hij',
      meetLinkSource: 'calendar',
      meetLinkCreatedAt: new Date(Date.now() - linkAgeMinutes * 60_000),
      calendarId: 'ada@example.com',
    })
    .returning();
  await database.db
    .insert(meetSpaces)
    .values({ sessionId: session!.id, meetingCode: 'abc-defg-hij', spaceName: 'spaces/x', accessState: 'applied' });
  return session!.id;
}
/**
 * A live session whose space's subscription is stored as `row` (last tried over a minute ago), and its poll with the
 * repair pass of `events` (every call not given is refused).
 */
async function subscribedSession(row: { state: string; expireTime: Date }, events: Partial<WorkspaceEvents>) {
  const refuse = async (): Promise<SubscriptionResult> => {
    throw new Error('unexpected call');
  };
  const { isActive: eventsActive } = createSpaceSubscriptions({
    db: database.db,
    events: { subscribe: refuse, renew: refuse, reactivate: refuse, unsubscribe: async () => {}, ...events },
    log: createMemoryLogger().logger,
  });
  const sessionId = await liveSession();
  await database.db.insert(meetEventSubscriptions).values({
    targetResource: spaceTarget('spaces/x'),
    subject: 'ada@example.com',
    name: 'subscriptions/s',
    ...row,
    updatedAt: new Date(Date.now() - 61_000),
  });
  return (seq: number) => createAttendancePoller({ ...deps(), eventsActive })({ sessionId, seq }, context);
}

const space = async (sessionId: string) => (await database.db.select().from(meetSpaces).where(eq(meetSpaces.sessionId, sessionId)))[0]!;

beforeAll(async () => {
  database = await openMemoryPglite();
  const [solver] = await database.db
    .insert(solvers)
    .values({ name: 'Ada', email: 'ada@example.com', employment: 'employed', googleEmail: 'ada@example.com' })
    .returning();
  solverId = solver!.id;
});
afterAll(async () => database?.close());
beforeEach(() => {
  jobs = [];
  conferenceCalls = 0;
  answer = async () => [];
});

describe('attendance poll chain', () => {
  it('claims each sequence number once: a duplicated or retried job polls nothing more', async () => {
    const sessionId = await liveSession();
    const poll = createAttendancePoller(deps());
    await Promise.all([poll({ sessionId, seq: 0 }, context), poll({ sessionId, seq: 0 }, context)]);
    expect(jobs.filter((job) => job.name === 'meet.attendance-poll')).toEqual([
      { name: 'meet.attendance-poll', data: { sessionId, seq: 1 }, startAfterSeconds: 10 },
    ]);
    expect((await space(sessionId)).pollSeq).toBe(1);
    await poll({ sessionId, seq: 0 }, context); // a late retry of the first job
    expect(conferenceCalls).toBeLessThanOrEqual(2);
    const callsBefore = conferenceCalls;
    await poll({ sessionId, seq: 0 }, context);
    expect(conferenceCalls).toBe(callsBefore);
  });

  it('publishes nothing a push already stored while Google was being read (no double "customer joined")', async () => {
    const sessionId = await liveSession();
    const joinedAt = new Date(Date.now() - 5_000);
    answer = async () => {
      // A pushed join is applied and committed meanwhile (what meet-event-service stores).
      await database.db.update(meetSpaces).set({ customerJoinedAt: joinedAt }).where(eq(meetSpaces.sessionId, sessionId));
      return [
        {
          name: 'conferenceRecords/c',
          startTime: joinedAt,
          endTime: null,
          participants: [{ user: undefined, earliestStartTime: joinedAt, latestEndTime: null }],
        },
      ];
    };
    await createAttendancePoller(deps())({ sessionId, seq: 0 }, context);
    expect(await space(sessionId)).toMatchObject({ pollSeq: 1, customerJoinedAt: joinedAt, callStartedAt: joinedAt });
    const joins = await database.db
      .select()
      .from(hostEvents)
      .where(and(eq(hostEvents.sessionId, sessionId), eq(hostEvents.type, 'meet.customer_joined')));
    expect(joins).toEqual([]);
    // The call's start, which the push had not stored, still goes out.
    const audit = await database.db.select().from(auditEvents).where(eq(auditEvents.sessionId, sessionId));
    expect(audit.map((row) => row.details)).toEqual([{ changed: ['callStartedAt'] }]);
  });

  it.each([
    ['a young link', 1, undefined, 10],
    ['a link older than 15 minutes', 20, undefined, 60],
    ['Google asking us to slow down', 1, new MeetSpaceFailure('rate_limited', 'slow down'), 120],
  ])('polls again after the cadence for %s', async (_case, ageMinutes, failure, seconds) => {
    const sessionId = await liveSession(ageMinutes);
    if (failure) answer = async () => Promise.reject(failure);
    await createAttendancePoller(deps())({ sessionId, seq: 0 }, context);
    expect(jobs).toEqual([{ name: 'meet.attendance-poll', data: { sessionId, seq: 1 }, startAfterSeconds: seconds }]);
  });

  it("polls only to reconcile (every 15 minutes) while the space's Meet events subscription is active", async () => {
    let answer: SubscriptionResult | Error = { operation: 'operations/1' };
    let subscribeCalls = 0;
    const subscribe = async () => {
      subscribeCalls += 1;
      if (answer instanceof Error) throw answer;
      return answer;
    };
    const { isActive: eventsActive } = createSpaceSubscriptions({
      db: database.db,
      events: { subscribe, renew: subscribe, reactivate: subscribe, unsubscribe: async () => {} },
      log: createMemoryLogger().logger,
    });
    const sessionId = await liveSession();
    const poll = (seq: number) => createAttendancePoller({ ...deps(), eventsActive })({ sessionId, seq }, context);
    const row = async () => (await database.db.select().from(meetEventSubscriptions))[0]!;
    await poll(0); // no row: subscribed now, its operation not done yet (pending)
    expect(await row()).toMatchObject({ targetResource: spaceTarget('spaces/x'), subject: 'ada@example.com', state: 'pending' });
    await poll(1); // pending, tried under a minute ago: not again
    expect(subscribeCalls).toBe(1);
    answer = { name: 'subscriptions/1', expireTime: new Date(Date.now() + 86_400_000), active: true };
    await database.db.update(meetEventSubscriptions).set({ updatedAt: new Date(Date.now() - 61_000) });
    await poll(2); // pending for over a minute: made again, active now
    answer = new Error('Workspace Events unavailable');
    await poll(3); // made a moment ago: another instance may be at it, so left alone
    expect(subscribeCalls).toBe(2);
    await database.db
      .update(meetEventSubscriptions)
      .set({ expireTime: new Date(Date.now() - 1_000), updatedAt: new Date(Date.now() - 61_000) });
    await poll(4); // past its expireTime (Google has deleted it): made again, refused this time
    expect(jobs.map((job) => job.startAfterSeconds)).toEqual([10, 10, 900, 900, 10]);
    expect(subscribeCalls).toBe(3);
    expect(await row()).toMatchObject({ state: 'failed', problem: 'Workspace Events unavailable' });
    await database.db.delete(meetEventSubscriptions);
  });

  it('renews an active subscription with under an hour left on a repair pass (its reminder may have been lost)', async () => {
    const renewed = new Date(Date.now() + 7 * 86_400_000);
    const renewals: string[] = [];
    const renew = async (_subject: string, name: string) => {
      renewals.push(name);
      return { name, expireTime: renewed, active: true };
    };
    const poll = await subscribedSession({ state: 'active', expireTime: new Date(Date.now() + 30 * 60_000) }, { renew });
    await poll(0);
    await poll(1);
    expect(renewals).toEqual(['subscriptions/s']);
    expect((await database.db.select().from(meetEventSubscriptions))[0]).toMatchObject({ state: 'active', expireTime: renewed });
    expect(jobs.map((job) => job.startAfterSeconds)).toEqual([900, 900]);
    await database.db.delete(meetEventSubscriptions);
  });

  it('polls at full cadence while the subscription is suspended, and tries to reactivate it once per repair pass', async () => {
    let reactivations = 0;
    const reactivate = async () => {
      reactivations += 1;
      if (reactivations === 1) throw Object.assign(new Error('cause not fixed'), { status: 400 });
      return { name: 'subscriptions/s', expireTime: new Date(Date.now() + 86_400_000), active: true };
    };
    const poll = await subscribedSession({ state: 'suspended', expireTime: new Date(Date.now() + 86_400_000) }, { reactivate });
    await poll(0); // refused: still suspended
    await poll(1); // tried under a minute ago: not again
    expect(reactivations).toBe(1);
    expect((await database.db.select().from(meetEventSubscriptions))[0]).toMatchObject({
      state: 'suspended',
      problem: 'reactivate refused: cause not fixed',
    });
    await database.db.update(meetEventSubscriptions).set({ updatedAt: new Date(Date.now() - 61_000) });
    await poll(2); // reactivated: polling only reconciles from now on
    expect(reactivations).toBe(2);
    expect(jobs.map((job) => job.startAfterSeconds)).toEqual([10, 10, 900]);
    await database.db.delete(meetEventSubscriptions);
  });

  it.each([
    ['the session has ended', () => liveSession(1, 'ended'), undefined],
    ['the link is over 4 hours old', () => liveSession(4 * 60 + 1), undefined],
    ['the Meet scopes are not granted', () => liveSession(1), new MeetSpaceFailure('scope_not_granted', 'no scope')],
  ])('stops when %s', async (_case, make, failure) => {
    const sessionId = await make();
    if (failure) answer = async () => Promise.reject(failure);
    await createAttendancePoller(deps())({ sessionId, seq: 0 }, context);
    expect(jobs).toEqual([]);
    expect((await space(sessionId)).pollingStoppedAt).not.toBeNull();
  });

  it('reads an ended session once more (its final attendance) before stopping, but not one over 4 hours old', async () => {
    const t0 = new Date(Date.now() - 60_000);
    answer = async () => [
      {
        name: 'conferenceRecords/c',
        startTime: t0,
        endTime: new Date(),
        participants: [{ user: undefined, earliestStartTime: t0, latestEndTime: new Date() }],
      },
    ];
    const ended = await liveSession(1, 'ended');
    await createAttendancePoller(deps())({ sessionId: ended, seq: 0 }, context);
    expect(conferenceCalls).toBe(1);
    expect(await space(ended)).toMatchObject({ customerJoinedAt: t0, pollingStoppedAt: expect.any(Date) });
    expect(jobs.filter((job) => job.name === 'meet.attendance-poll')).toEqual([]);
    const old = await liveSession(4 * 60 + 1, 'ended');
    await createAttendancePoller(deps())({ sessionId: old, seq: 0 }, context);
    expect(conferenceCalls).toBe(1);
  });
});

describe('access step', () => {
  it('keeps Google’s default with MEET_ACCESS_TYPE=unchanged, starts the poll chain and releases the SMS', async () => {
    const sessionId = await liveSession();
    await database.db.update(meetSpaces).set({ accessState: 'pending', spaceName: null }).where(eq(meetSpaces.sessionId, sessionId));
    const notified: string[] = [];
    spaces.patched = [];
    const setup = createSpaceSetupWorker({ ...deps(), accessType: 'unchanged', notify: async (id) => Boolean(notified.push(id)) });
    await setup({ sessionId }, context);
    expect(spaces.patched).toEqual([]);
    expect(await space(sessionId)).toMatchObject({ accessState: 'unchanged', accessType: 'TRUSTED', spaceName: 'spaces/id-abc-defg-hij' });
    expect(notified).toEqual([sessionId]);
    expect(jobs.map((job) => job.name)).toEqual(['meet.attendance-poll']);
    await setup({ sessionId }, context); // a retry: nothing again but the (idempotent) release
    expect(jobs).toHaveLength(1);
    expect(notified).toEqual([sessionId, sessionId]);
  });

  it('queues the deletion of the subscription it made when the session ended meanwhile', async () => {
    const sessionId = await liveSession();
    await database.db.update(meetSpaces).set({ accessState: 'pending', spaceName: null }).where(eq(meetSpaces.sessionId, sessionId));
    const subscribe = async () => {
      await database.db.update(sessions).set({ status: 'ended' }).where(eq(sessions.id, sessionId));
    };
    const setup = createSpaceSetupWorker({ ...deps(), accessType: 'unchanged', notify: async () => true, subscribe });
    await setup({ sessionId }, context);
    expect(jobs).toContainEqual(
      expect.objectContaining({ name: 'meet.events-unsubscribe', data: { spaceName: 'spaces/id-abc-defg-hij' } }),
    );
    expect(jobs.map((job) => job.name)).not.toContain('meet.attendance-poll');
  });
});
