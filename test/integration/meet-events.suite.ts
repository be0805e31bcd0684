import { randomUUID } from 'node:crypto';
import { and, eq, like } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  auditEvents,
  hostEvents,
  meetConferenceRecords,
  meetEventSubscriptions,
  meetSpaces,
  webhookReceipts,
} from '../../backend/db/schema.ts';
import { SAVVYSOLVE_WEBHOOK_PATH, type SessionSummary } from '../../shared/index.ts';
import { ADMIN_TOKEN, eventually, startStack, type DatabaseChoice, type Stack } from './stack.ts';

const ADA = { email: 'ada@example.com', name: 'Ada Lovelace', employment: 'employed', googleEmail: 'ada@example.com' } as const;
const PUSH_SERVICE_ACCOUNT = 'meet-events-push@emulated-project.iam.gserviceaccount.com';
const EVENTS_ENV = {
  MEET_ATTENDANCE_SOURCE: 'events',
  MEET_EVENTS_TOPIC: 'projects/emulated-project/topics/meet-events',
  PUBSUB_PUSH_SERVICE_ACCOUNT: PUSH_SERVICE_ACCOUNT,
  METRICS_TOKEN: 'metrics-token-for-tests-0123456789',
};
const GRACE = { kind: 'anonymous', displayName: 'Grace' } as const;
const codeOf = (meetLink: string) => /([a-z]{3}-[a-z]{4}-[a-z]{3})$/.exec(meetLink)![1]!;

/** A backend with MEET_ATTENDANCE_SOURCE=events, its Pub/Sub push pointed at it, and helpers to play a session. */
async function eventsWorld(database: DatabaseChoice, pollSeconds: number) {
  const stack = await startStack(
    database,
    EVENTS_ENV,
    {},
    {
      meetSpace: {
        retryBaseDelayMs: 20,
        pollCadence: { fastSeconds: pollSeconds, slowSeconds: pollSeconds, reconcileSeconds: pollSeconds, afterCallEndSeconds: 0 },
      },
    },
  );
  const endpoint = `${stack.backend.url}/webhooks/google/meet-events`;
  stack.emulators.google.pubsub.configure({ endpoint, serviceAccountEmail: PUSH_SERVICE_ACCOUNT });
  await stack.host.sendWebhook(`${stack.backend.url}${SAVVYSOLVE_WEBHOOK_PATH}`, 'solver.upserted', ADA);
  const token = await stack.signIn(ADA.email);
  let phone = 14155554000;
  return {
    stack,
    endpoint,
    async escalate() {
      const sessionId = randomUUID();
      const customerPhone = `+${(phone += 1)}`;
      const event = {
        sessionId,
        solverEmail: ADA.email,
        customerName: 'Grace Hopper',
        customerPhone,
        status: 'active',
        occurredAt: new Date().toISOString(),
      };
      expect((await stack.host.sendWebhook(`${stack.backend.url}${SAVVYSOLVE_WEBHOOK_PATH}`, 'session.upserted', event)).status).toBe(200);
      const link = await stack.api.call('POST', '/api/meet/links', { json: { sessionId }, token });
      expect(link.body).toMatchObject({ success: true });
      const code = codeOf(link.body.meetLink);
      // The space is resolved (spaces.get) before the customer is texted: wait for the text.
      await eventually(() => stack.emulators.twilio.messages().some((message) => message.to === customerPhone), 'the SMS');
      await eventually(async () => (await stack.api.adminSession(sessionId)).body.meetSpaceName, 'the space resolved');
      return { sessionId, code };
    },
    async summary(sessionId: string): Promise<SessionSummary | undefined> {
      return (await stack.api.call('GET', '/api/sessions', { token })).body.sessions.find(
        (entry: SessionSummary) => entry.id === sessionId,
      );
    },
    hostEvents: (type: string, sessionId: string) =>
      stack.host.events().filter((event) => event.type === type && event.data.sessionId === sessionId),
    async outboxed(type: string, sessionId: string) {
      const rows = await stack.backend.database.db
        .select()
        .from(hostEvents)
        .where(and(eq(hostEvents.type, type), eq(hostEvents.sessionId, sessionId)));
      return rows.length;
    },
    /** Everything a Meet event push can change for a session: its Meet audit rows, host events, receipts, attendance. */
    async pushEffects(sessionId: string) {
      const db = stack.backend.database.db;
      return {
        audit: await db.$count(auditEvents, and(eq(auditEvents.sessionId, sessionId), like(auditEvents.action, 'meet_space.%'))),
        // Meet host events only: the session's own SMS status callback may still arrive meanwhile.
        hostEvents: await db.$count(hostEvents, and(eq(hostEvents.sessionId, sessionId), like(hostEvents.type, 'meet.%'))),
        receipts: (await db.select().from(webhookReceipts).where(like(webhookReceipts.webhookId, 'meet-event:%'))).length,
        attendance: (await stack.api.adminSession(sessionId)).body.meetSpace?.attendance,
      };
    },
    /** The session's meet_spaces row (its poll chain: pollSeq, pollingStoppedAt). */
    async space(sessionId: string) {
      return (await stack.backend.database.db.select().from(meetSpaces).where(eq(meetSpaces.sessionId, sessionId)))[0]!;
    },
    /** The stored subscription row of the space behind `code`. */
    async stored(code: string) {
      const target = `//meet.googleapis.com/${stack.emulators.google.meet.space(code)!.name}`;
      return (
        await stack.backend.database.db.select().from(meetEventSubscriptions).where(eq(meetEventSubscriptions.targetResource, target))
      )[0]!;
    },
    /** Backdates the stored row's last attempt, so the next repair pass may act (it waits a minute between attempts). */
    async backdate(code: string) {
      const row = await this.stored(code);
      await stack.backend.database.db
        .update(meetEventSubscriptions)
        .set({ updatedAt: new Date(Date.now() - 61_000) })
        .where(eq(meetEventSubscriptions.targetResource, row.targetResource));
    },
    async receipts() {
      return stack.backend.database.db.select().from(webhookReceipts).where(like(webhookReceipts.webhookId, 'meet-event:%'));
    },
    /** `savvysolve_meet_customer_join_seconds_count`, as GET /metrics shows it. */
    async customerJoinsCounted() {
      const response = await fetch(`${stack.backend.url}/metrics`, { headers: { authorization: `Bearer ${EVENTS_ENV.METRICS_TOKEN}` } });
      return Number(/^savvysolve_meet_customer_join_seconds_count(?:\{[^}]*\})? (\d+)$/m.exec(await response.text())?.[1] ?? 0);
    },
    push: (body: unknown, authorization?: string) =>
      fetch(endpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) },
        body: JSON.stringify(body),
      }),
  };
}

const envelope = (type: string, subject: string, data: unknown) => ({
  message: {
    attributes: {
      'ce-id': randomUUID(),
      'ce-type': type,
      'ce-subject': subject,
      'ce-specversion': '1.0',
      'ce-time': new Date().toISOString(),
    },
    data: Buffer.from(JSON.stringify(data)).toString('base64'),
    messageId: String(Date.now()),
    publishTime: new Date().toISOString(),
  },
  subscription: 'projects/emulated-project/subscriptions/meet-events-push',
});

/** Attendance pushed by Google (Workspace Events through Pub/Sub) on the chosen database, through the emulator. */
export function describeMeetEvents(database: DatabaseChoice) {
  describe(`Meet events pushed by Pub/Sub on ${database} (polling too slow to matter)`, () => {
    let world: Awaited<ReturnType<typeof eventsWorld>>;
    beforeAll(async () => {
      world = await eventsWorld(database, 600);
    });
    afterAll(async () => world?.stack.close());
    beforeEach(() => world.stack.emulators.google.pubsub.setDelivery({}));

    it("subscribes to the space's Meet events before texting the customer, and stores the subscription", async () => {
      const { code } = await world.escalate();
      const { google, twilio } = world.stack.emulators;
      const spaceName = google.meet.space(code)!.name;
      const subscription = google.workspaceEvents
        .subscriptions()
        .find((sub) => sub.targetResource === `//meet.googleapis.com/${spaceName}`);
      expect(subscription).toMatchObject({ notificationEndpoint: { pubsubTopic: EVENTS_ENV.MEET_EVENTS_TOPIC }, state: 'ACTIVE' });
      expect([...subscription!.eventTypes].sort()).toEqual([
        'google.workspace.meet.conference.v2.ended',
        'google.workspace.meet.conference.v2.started',
        'google.workspace.meet.participant.v2.joined',
        'google.workspace.meet.participant.v2.left',
      ]);
      const created = google.requests('subscriptions.create').at(-1)!;
      const sms = twilio.requests('messages.create').at(-1)!;
      expect(created.receivedAt).toBeLessThanOrEqual(sms.receivedAt);
      const [row] = await world.stack.backend.database.db
        .select()
        .from(meetEventSubscriptions)
        .where(eq(meetEventSubscriptions.targetResource, `//meet.googleapis.com/${spaceName}`));
      expect(row).toMatchObject({
        state: 'active',
        name: subscription!.name,
        subject: ADA.email,
        expireTime: new Date(subscription!.expireTime),
      });
    });

    it('still texts the customer when the subscription is refused, and says why on the stored row', async () => {
      const { google } = world.stack.emulators;
      google.faults.set('subscriptions.create', { status: 403 });
      const { code } = await world.escalate();
      google.faults.clear();
      const [row] = await world.stack.backend.database.db
        .select()
        .from(meetEventSubscriptions)
        .where(eq(meetEventSubscriptions.targetResource, `//meet.googleapis.com/${google.meet.space(code)!.name}`));
      expect(row).toMatchObject({ state: 'failed', name: null, problem: expect.stringMatching(/.+/) });
    });

    it('marks a suspended subscription so (nothing more is pushed), and makes an expired one again at once', async () => {
      const { google } = world.stack.emulators;
      const first = await world.escalate();
      const second = await world.escalate();
      const expiring = (await world.stored(second.code)).name!;
      google.workspaceEvents.suspend((await world.stored(first.code)).name!, 'USER_SCOPE_REVOKED');
      google.workspaceEvents.expire(expiring);
      await google.pubsub.idle();
      expect(await world.stored(first.code)).toMatchObject({ state: 'suspended', problem: 'suspended by Google (USER_SCOPE_REVOKED)' });
      // Google deleted the expired one: a new subscription for the same space, stored in its place.
      const remade = await world.stored(second.code);
      expect(remade).toMatchObject({ state: 'active', problem: null });
      expect(remade.name).not.toBe(expiring);
      expect(google.workspaceEvents.subscriptions().map((sub) => sub.name)).toContain(remade.name);
      const pushed = google.pubsub.attempts().length;
      google.meet.join(first.code, GRACE);
      google.meet.join(second.code, GRACE);
      await google.pubsub.idle();
      expect(
        google.pubsub
          .attempts()
          .slice(pushed)
          .map((attempt) => attempt.type),
      ).toEqual(['google.workspace.meet.conference.v2.started', 'google.workspace.meet.participant.v2.joined']);
    });

    it("renews a live session's subscription on expirationReminder (patch of ttl), not an ended one's", async () => {
      const { google } = world.stack.emulators;
      const live = await world.escalate();
      const ended = await world.escalate();
      expect((await world.stack.api.call('POST', `/api/admin/sessions/${ended.sessionId}/end`, { token: ADMIN_TOKEN })).status).toBe(200);
      const before = await world.stored(live.code);
      const patches = google.requests('subscriptions.patch').length;
      google.workspaceEvents.remindExpiration(before.name!);
      google.workspaceEvents.remindExpiration((await world.stored(ended.code)).name!);
      await google.pubsub.idle();
      expect(google.requests('subscriptions.patch').slice(patches)).toEqual([
        expect.objectContaining({ query: { updateMask: 'ttl' }, body: { ttl: '0s' } }),
      ]);
      const renewed = google.workspaceEvents.subscriptions().find((sub) => sub.name === before.name)!;
      const after = await world.stored(live.code);
      expect(after).toMatchObject({ state: 'active', name: before.name, expireTime: new Date(renewed.expireTime) });
      expect(after.expireTime!.getTime()).toBeGreaterThan(before.expireTime!.getTime());
      // The ended session's subscription goes (see below): none of its deletion is left to run into the next test.
      await eventually(async () => (await world.stored(ended.code)).state === 'deleted', 'the ended one deleted');
    });

    it("deletes the space's subscription when its session ends (durably: an outage is retried), marks it deleted", async () => {
      const { google } = world.stack.emulators;
      const { sessionId, code } = await world.escalate();
      const { name } = await world.stored(code);
      google.faults.set('subscriptions.delete', { status: 503, times: 1 });
      expect((await world.stack.api.call('POST', `/api/admin/sessions/${sessionId}/end`, { token: ADMIN_TOKEN })).status).toBe(200);
      await eventually(async () => (await world.stored(code)).state === 'deleted', 'stored deleted', 20_000);
      expect(google.requests('subscriptions.delete').filter((request) => request.path.endsWith(name!.split('/')[1]!))).toHaveLength(2);
      expect(google.workspaceEvents.subscriptions().map((sub) => sub.name)).not.toContain(name);
      expect(await world.stored(code)).toMatchObject({ name, problem: null });
      // Nothing of this space is pushed any more.
      const pushed = google.pubsub.attempts().length;
      google.meet.join(code, GRACE);
      await google.pubsub.idle();
      expect(google.pubsub.attempts()).toHaveLength(pushed);
    });

    it('shows "customer joined" as soon as the push is answered, and tells the host once', async () => {
      const { sessionId, code } = await world.escalate();
      const { google } = world.stack.emulators;
      const joinsBefore = await world.customerJoinsCounted();
      const t0 = Date.now();
      google.meet.join(code, { kind: 'signedin', email: ADA.email, displayName: 'Ada' }, new Date(t0));
      google.meet.join(code, GRACE, new Date(t0 + 1_000));
      await google.pubsub.idle();
      // No poll has run (the first is 10 minutes away): the pushes alone changed it.
      expect(google.requests('conferenceRecords.list').length).toBeGreaterThan(0);
      const view = await world.summary(sessionId);
      expect(view!.meetSpace!.attendance).toMatchObject({
        customerJoinedAt: new Date(t0 + 1_000).toISOString(),
        solverJoinedAt: new Date(t0).toISOString(),
        callStartedAt: new Date(t0).toISOString(),
        customerLeftAt: null,
      });
      expect(google.pubsub.attempts().every((attempt) => attempt.status === 204)).toBe(true);
      await eventually(() => world.hostEvents('meet.customer_joined', sessionId).length === 1, 'meet.customer_joined');
      // The link → join time is measured from the pushed join too, not only from a poll that saw it.
      expect(await world.customerJoinsCounted()).toBe(joinsBefore + 1);

      google.meet.endCall(code, new Date(t0 + 300_000));
      await google.pubsub.idle();
      expect((await world.summary(sessionId))!.meetSpace!.attendance.callEndedAt).toBe(new Date(t0 + 300_000).toISOString());
      const [ended] = await eventually(
        () => world.hostEvents('meet.call_ended', sessionId).length > 0 && world.hostEvents('meet.call_ended', sessionId),
        'meet.call_ended',
      );
      expect(ended).toMatchObject({ signatureValid: true, data: { durationSeconds: 300 } });
      expect(world.hostEvents('meet.customer_joined', sessionId)).toHaveLength(1);
      // The reconciler polls once out of turn after the call's end (the chain's own poll is 10 minutes away), and the
      // chain goes on while the session is live.
      expect((await world.space(sessionId)).pollSeq).toBe(0);
      const polled = await eventually(async () => {
        const space = await world.space(sessionId);
        return space.pollSeq === 1 && space;
      }, 'the extra poll');
      expect(polled.pollingStoppedAt).toBeNull();
      expect(await world.outboxed('meet.call_ended', sessionId)).toBe(1);
    });

    it("reads only the event's conference record once the record is placed: one read per participant event", async () => {
      const { sessionId, code } = await world.escalate();
      const { google } = world.stack.emulators;
      const routes = ['spaces.get', 'conferenceRecords.list', 'conferenceRecords.get', 'participants.list'] as const;
      const counts = () => Object.fromEntries(routes.map((route) => [route, google.requests(route).length]));
      /** The Meet reads (by route, those not made left out) while `play`'s pushes are applied. */
      const readsOf = async (play: () => unknown) => {
        const before = counts();
        await play();
        await google.pubsub.idle();
        const after = counts();
        return Object.fromEntries(
          routes.flatMap((route) => (after[route] !== before[route] ? [[route, after[route]! - before[route]!]] : [])),
        );
      };
      const attendance = async () => (await world.summary(sessionId))!.meetSpace!.attendance;
      const t0 = Date.now();
      const at = (seconds: number) => new Date(t0 + seconds * 1_000);
      const ada = { kind: 'signedin', email: ADA.email, displayName: 'Ada' } as const;

      // conference.started places the record (get) and reads the space; the solver's participant.joined then reads
      // that record's participants alone.
      expect(await readsOf(() => google.meet.join(code, ada, at(0)))).toEqual({
        'conferenceRecords.get': 1,
        'conferenceRecords.list': 1,
        'participants.list': 2,
      });
      expect(await readsOf(() => google.meet.join(code, GRACE, at(10)))).toEqual({ 'participants.list': 1 });
      expect(await attendance()).toMatchObject({ customerJoinedAt: at(10).toISOString(), solverJoinedAt: at(0).toISOString() });
      expect(await readsOf(() => google.meet.leave(code, GRACE, at(60)))).toEqual({ 'participants.list': 1 });
      expect(await readsOf(() => google.meet.leave(code, ada, at(70)))).toEqual({ 'participants.list': 1 });
      expect(await attendance()).toMatchObject({ customerLeftAt: at(60).toISOString(), callEndedAt: null });
      // conference.ended re-reads the record's times and participants (get, participants.list); then the poll it
      // queues (at once here) reads the whole space (list, participants.list).
      const ended = await readsOf(async () => {
        google.meet.endCall(code, at(80));
        await google.pubsub.idle();
        await eventually(async () => (await world.space(sessionId)).pollSeq === 1, 'the poll after the call');
      });
      expect(ended).toEqual({ 'conferenceRecords.get': 1, 'conferenceRecords.list': 1, 'participants.list': 2 });
      expect(await attendance()).toMatchObject({ callEndedAt: at(80).toISOString() });

      // A second call in the same space is a record never seen: placed, and the space read again (both records).
      expect(await readsOf(() => google.meet.join(code, GRACE, at(600)))).toEqual({
        'conferenceRecords.get': 1,
        'conferenceRecords.list': 1,
        'participants.list': 3,
      });
      expect(await attendance()).toMatchObject({ customerJoinedAt: at(10).toISOString(), customerLeftAt: null, callEndedAt: null });
      // Its events read that record alone; the first call's record comes from what was stored.
      expect(await readsOf(() => google.meet.leave(code, GRACE, at(660)))).toEqual({ 'participants.list': 1 });
      expect(await attendance()).toMatchObject({
        customerJoinedAt: at(10).toISOString(),
        customerLeftAt: at(660).toISOString(),
        solverJoinedAt: at(0).toISOString(),
        callStartedAt: at(0).toISOString(),
        callEndedAt: null,
      });
      expect(world.hostEvents('meet.customer_joined', sessionId)).toHaveLength(1);
      expect(await world.outboxed('meet.call_ended', sessionId)).toBe(1);
    });

    it('refuses a missing or bad push token with 401 and changes nothing', async () => {
      const { sessionId, code } = await world.escalate();
      const { google } = world.stack.emulators;
      google.pubsub.setDelivery({ held: true });
      google.meet.join(code, GRACE);
      const spaceName = google.meet.space(code)!.name;
      const record = google.meet.conferenceRecords(code)[0]!.name;
      const body = envelope('google.workspace.meet.conference.v2.started', `//meet.googleapis.com/${spaceName}`, {
        conferenceRecord: { name: record },
      });
      // What a push could change; SMS status callbacks of earlier sessions may still be arriving, so not global counts.
      const before = await world.pushEffects(sessionId);
      const bad = [
        undefined,
        'Bearer not-a-jwt',
        `Basic ${Buffer.from('a:b').toString('base64')}`,
        `Bearer ${await google.pubsub.mintToken({ aud: 'https://elsewhere.example/webhooks/google/meet-events' })}`,
        `Bearer ${await google.pubsub.mintToken({ iss: 'https://evil.example' })}`,
        `Bearer ${await google.pubsub.mintToken({ email: 'someone-else@emulated-project.iam.gserviceaccount.com' })}`,
        `Bearer ${await google.pubsub.mintToken({ email_verified: false })}`,
        `Bearer ${await google.pubsub.mintToken({ expiresInSec: -3_600 })}`,
      ];
      for (const authorization of bad) {
        const response = await world.push(body, authorization);
        expect(response.status, authorization ?? 'no header').toBe(401);
        expect(await response.json()).toMatchObject({ error: { code: 'unauthorized' } });
      }
      expect(await world.pushEffects(sessionId)).toEqual(before);
      expect((await world.summary(sessionId))!.meetSpace!.attendance.customerJoinedAt).toBeNull();

      // The same body with a good token is applied; a malformed envelope with a good token is a 400.
      const good = `Bearer ${await google.pubsub.mintToken()}`;
      expect((await world.push(body, good)).status).toBe(204);
      expect((await world.summary(sessionId))!.meetSpace!.attendance.customerJoinedAt).not.toBeNull();
      const malformed = await world.push({ message: { data: 'x' } }, good);
      expect(malformed.status).toBe(400);
      google.pubsub.release();
      await google.pubsub.idle();
    });

    it('applies each event once: duplicates, and a "left" that overtakes its "joined", leave the true state', async () => {
      const { sessionId, code } = await world.escalate();
      const { google } = world.stack.emulators;
      google.pubsub.setDelivery({ duplicates: 2 });
      const t0 = Date.now();
      google.meet.join(code, GRACE, new Date(t0));
      await google.pubsub.idle();
      await eventually(() => world.hostEvents('meet.customer_joined', sessionId).length === 1, 'meet.customer_joined');

      google.pubsub.setDelivery({ held: true, duplicates: 1 });
      google.meet.leave(code, GRACE, new Date(t0 + 60_000));
      google.meet.join(code, GRACE, new Date(t0 + 120_000));
      google.meet.leave(code, GRACE, new Date(t0 + 180_000));
      google.pubsub.release('reverse');
      await google.pubsub.idle();
      const attendance = (await world.summary(sessionId))!.meetSpace!.attendance;
      expect(attendance).toMatchObject({
        customerJoinedAt: new Date(t0).toISOString(),
        customerLeftAt: new Date(t0 + 180_000).toISOString(),
      });
      // Every copy was answered 204; each ce-id has one receipt; the host heard of the join once.
      const attempts = google.pubsub.attempts().filter((attempt) => attempt.status !== 204);
      expect(attempts).toEqual([]);
      const receipts = await world.receipts();
      expect(new Set(receipts.map((row) => row.webhookId)).size).toBe(receipts.length);
      // Every push was answered after its transaction committed: the host outbox holds all there will be.
      expect(await world.outboxed('meet.customer_joined', sessionId)).toBe(1);
    });

    it('answers 204 and changes nothing for an unknown space, an unknown event type, or an ended session', async () => {
      const { google } = world.stack.emulators;
      const good = `Bearer ${await google.pubsub.mintToken()}`;
      const unknown = envelope('google.workspace.meet.conference.v2.started', '//meet.googleapis.com/spaces/notOurs123', {
        conferenceRecord: { name: 'conferenceRecords/nope' },
      });
      expect((await world.push(unknown, good)).status).toBe(204);
      const other = envelope('google.workspace.meet.recording.v2.fileGenerated', '//meet.googleapis.com/spaces/x', {});
      expect((await world.push(other, good)).status).toBe(204);

      const { sessionId, code } = await world.escalate();
      expect((await world.stack.api.call('POST', `/api/admin/sessions/${sessionId}/end`, { token: ADMIN_TOKEN })).status).toBe(200);
      // The end reads the final attendance once (a poll out of turn: the chain's own is 10 minutes away), then stops.
      const final = await eventually(async () => {
        const space = await world.space(sessionId);
        return space.pollingStoppedAt ? space : undefined;
      }, 'the final poll');
      expect(final.pollSeq).toBe(1);
      // A join after that, pushed late (the subscription is being deleted meanwhile), is stale.
      google.meet.join(code, GRACE);
      const late = envelope('google.workspace.meet.conference.v2.started', `//meet.googleapis.com/${google.meet.space(code)!.name}`, {
        conferenceRecord: { name: google.meet.conferenceRecords(code)[0]!.name },
      });
      expect((await world.push(late, good)).status).toBe(204);
      await google.pubsub.idle();
      const admin = (await world.stack.api.adminSession(sessionId)).body;
      expect(admin.meetSpace.attendance.customerJoinedAt).toBeNull();
      const outcomes = (await world.receipts()).map((row) => row.outcome);
      expect(outcomes).toContain('unknown_space');
      expect(outcomes).toContain('stale');
    });
  });

  describe(`Meet events on ${database}: Pub/Sub down, the poller reconciles`, () => {
    let world: Awaited<ReturnType<typeof eventsWorld>>;
    beforeAll(async () => {
      world = await eventsWorld(database, 1);
    });
    afterAll(async () => world?.stack.close());

    it('follows the call by polling while nothing is pushed, and the late pushes change nothing', async () => {
      const { sessionId, code } = await world.escalate();
      const { google } = world.stack.emulators;
      google.pubsub.setDelivery({ held: true });
      google.meet.join(code, GRACE);
      await eventually(async () => (await world.summary(sessionId))?.meetSpace?.attendance.customerJoinedAt, 'joined, by polling');
      await eventually(() => world.hostEvents('meet.customer_joined', sessionId).length === 1, 'meet.customer_joined');
      // The poll kept what it read for the pushes (which then re-read only their own record).
      const spaceName = google.meet.space(code)!.name;
      const stored = await world.stack.backend.database.db
        .select()
        .from(meetConferenceRecords)
        .where(eq(meetConferenceRecords.spaceName, spaceName));
      expect(stored.map((row) => [row.name, row.participants.length])).toEqual([[google.meet.conferenceRecords(code)[0]!.name, 1]]);
      google.pubsub.setDelivery({});
      await google.pubsub.idle();
      expect(google.pubsub.attempts().map((attempt) => attempt.status)).toEqual([204, 204]);
      const outcomes = (await world.receipts()).map((row) => row.outcome);
      expect(outcomes).toEqual(['unchanged', 'unchanged']);
      expect(await world.outboxed('meet.customer_joined', sessionId)).toBe(1);
    });

    it('reactivates a suspended subscription on a repair pass once its cause is gone, polling meanwhile', async () => {
      const { sessionId, code } = await world.escalate();
      const { google } = world.stack.emulators;
      await eventually(async () => (await world.stored(code)).state === 'active', 'subscribed');
      const { name } = await world.stored(code);
      google.workspaceEvents.suspend(name!, 'USER_SCOPE_REVOKED');
      await eventually(async () => (await world.stored(code)).state === 'suspended', 'stored suspended');
      // Suspended: the customer is seen by polling.
      google.meet.join(code, GRACE);
      await eventually(async () => (await world.summary(sessionId))?.meetSpace?.attendance.customerJoinedAt, 'joined, by polling');
      // A repair pass tries once; Google refuses while the cause is there.
      const tries = () => google.requests('subscriptions.reactivate').length;
      await world.backdate(code);
      await eventually(async () => tries() === 1 && /reactivate refused/.test((await world.stored(code)).problem ?? ''), 'refused');
      expect((await world.stored(code)).state).toBe('suspended');
      // Fixed at Google: the next pass (a minute after the last try) reactivates it, same subscription and expiry.
      google.workspaceEvents.resolveSuspension(name!);
      const expireTime = (await world.stored(code)).expireTime;
      await world.backdate(code);
      await eventually(async () => (await world.stored(code)).state === 'active', 'reactivated');
      expect(tries()).toBe(2);
      expect(await world.stored(code)).toMatchObject({ name, expireTime, problem: null });
      expect(google.workspaceEvents.subscriptions().find((sub) => sub.name === name)).toMatchObject({ state: 'ACTIVE' });
    });

    it("deletes a disabled solver's live subscriptions on the next poll, and does not make them again", async () => {
      const { code } = await world.escalate();
      const { google } = world.stack.emulators;
      await eventually(async () => (await world.stored(code)).state === 'active', 'subscribed');
      const { name } = await world.stored(code);
      const webhook = `${world.stack.backend.url}${SAVVYSOLVE_WEBHOOK_PATH}`;
      expect((await world.stack.host.sendWebhook(webhook, 'solver.upserted', { ...ADA, disabled: true })).status).toBe(200);
      await eventually(async () => (await world.stored(code)).state === 'deleted', 'stored deleted');
      expect(google.workspaceEvents.subscriptions().map((sub) => sub.name)).not.toContain(name);
      const creates = google.requests('subscriptions.create').length;
      const polls = google.requests('conferenceRecords.list').length;
      await eventually(() => google.requests('conferenceRecords.list').length >= polls + 2, 'two more polls');
      expect(google.requests('subscriptions.create')).toHaveLength(creates);
      expect((await world.stored(code)).state).toBe('deleted');
    });
  });
}
