import { randomUUID } from 'node:crypto';
import { count, eq, sql } from 'drizzle-orm';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { rowsOf } from '../../backend/db/client.ts';
import { auditEvents, sessions, solvers, webhookReceipts } from '../../backend/db/schema.ts';
import { SAVVYSOLVE_WEBHOOK_PATH, solverChannel } from '../../shared/index.ts';
import { HOST_WEBHOOK_SECRET, LIVE_POLLS, eventually, settle, startStack, type DatabaseChoice, type Stack } from './stack.ts';

const ADA = { email: 'ada@example.com', name: 'Ada Lovelace', employment: 'employed', googleEmail: 'ada@example.com' } as const;
const BOB = { email: 'bob@example.com', name: 'Bob Byron', employment: 'employed', googleEmail: 'bob@example.com' } as const;
const at = (minutesAgo: number) => new Date(Date.now() - minutesAgo * 60_000).toISOString();

/** The SavvySolve app's side: signed events in, the lazy pull, signed events out; real HTTP on one database. */
export function describeHostIntegration(database: DatabaseChoice) {
  describe(`SavvySolve host integration on ${database}`, () => {
    let stack: Stack;
    let webhookUrl: string;
    const send = (type: string, data: unknown, options?: Parameters<Stack['host']['sendWebhook']>[3]) =>
      stack.host.sendWebhook(webhookUrl, type, data, options);
    const db = () => stack.backend.database.db;
    const sessionRow = async (id: string) => (await db().select().from(sessions).where(eq(sessions.id, id)))[0];
    const sessionCount = async () => (await db().select({ n: count() }).from(sessions))[0]!.n;
    const upserted = (overrides: Record<string, unknown> = {}) => ({
      sessionId: randomUUID(),
      solverEmail: ADA.email,
      customerName: 'Grace Hopper',
      customerPhone: '+14155550123',
      status: 'active' as 'active' | 'ended',
      occurredAt: at(1),
      ...overrides,
    });
    const signIn = (email: string) => stack.signIn(email);
    const createLink = (sessionId: string, token: string) => stack.api.call('POST', '/api/meet/links', { json: { sessionId }, token });
    const listIds = async (token: string) =>
      (await stack.api.call('GET', '/api/sessions', { token })).body.sessions.map((session: { id: string }) => session.id);
    const hostEventsFor = (sessionId: string, type: string) =>
      stack.host.events().filter((event) => event.type === type && event.data?.sessionId === sessionId);

    beforeAll(async () => {
      stack = await startStack(database);
      webhookUrl = `${stack.backend.url}${SAVVYSOLVE_WEBHOOK_PATH}`;
      expect((await send('solver.upserted', ADA)).status).toBe(200);
      expect((await send('solver.upserted', BOB)).status).toBe(200);
    });
    afterAll(async () => stack?.close());
    beforeEach(() => {
      stack.emulators.clearFaults();
      stack.host.faults.clear();
    });

    describe('inbound events (Standard Webhooks)', () => {
      it.each([
        ['no signature headers', { headers: {} }],
        ['a signature made with another secret', { secret: `whsec_${Buffer.from('another-secret-entirely').toString('base64')}` }],
        ['a timestamp 6 minutes old', { timestamp: new Date(Date.now() - 6 * 60_000) }],
        ['a timestamp 6 minutes ahead', { timestamp: new Date(Date.now() + 6 * 60_000) }],
      ])('refuses %s with 401 and stores nothing', async (_case, options) => {
        const before = await sessionCount();
        const data = upserted();
        const result =
          'headers' in options
            ? await stack.api.call('POST', SAVVYSOLVE_WEBHOOK_PATH, { json: { type: 'session.upserted', timestamp: at(0), data } })
            : await send('session.upserted', data, options);
        expect(result.status).toBe(401);
        expect(result.body.error.message).toMatch(/Invalid webhook signature/);
        expect(await sessionCount()).toBe(before);
      });

      it('refuses a body that was changed after signing', async () => {
        const body = JSON.stringify({ type: 'session.upserted', timestamp: at(0), data: upserted() });
        const now = new Date();
        const headers = {
          'content-type': 'application/json',
          'webhook-id': 'msg_tampered',
          'webhook-timestamp': String(Math.floor(now.getTime() / 1000)),
          'webhook-signature': new Webhook(HOST_WEBHOOK_SECRET).sign('msg_tampered', now, body),
        };
        const before = await sessionCount();
        const tampered = await stack.api.call('POST', SAVVYSOLVE_WEBHOOK_PATH, { rawBody: body.replace('Grace', 'Eve'), headers });
        expect(tampered.status).toBe(401);
        expect(await sessionCount()).toBe(before);
        expect((await stack.api.call('POST', SAVVYSOLVE_WEBHOOK_PATH, { rawBody: body, headers })).status).toBe(200);
      });

      it('answers 415 for a body that is not JSON and 413 over the size limit, storing nothing', async () => {
        const before = await sessionCount();
        const form = await stack.api.call('POST', SAVVYSOLVE_WEBHOOK_PATH, {
          rawBody: 'type=session.upserted',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
        });
        expect(form.status).toBe(415);
        const huge = await send('session.upserted', upserted({ customerName: 'x'.repeat(20_000) }));
        expect(huge.status).toBe(413);
        expect(await sessionCount()).toBe(before);
      });

      it('applies the same webhook-id once, and answers 2xx for the duplicate', async () => {
        const data = upserted();
        const first = await send('session.upserted', data, { webhookId: `msg_${data.sessionId}` });
        const again = await send('session.upserted', { ...data, customerName: 'Changed' }, { webhookId: `msg_${data.sessionId}` });
        expect(first.body).toEqual({ received: true, outcome: 'created' });
        expect(again).toMatchObject({ status: 200, body: { received: true, outcome: 'duplicate' } });
        expect((await sessionRow(data.sessionId))!.customerName).toBe('Grace Hopper');
        const created = await db().select().from(auditEvents).where(eq(auditEvents.sessionId, data.sessionId));
        expect(created.map((entry) => entry.action)).toEqual(['session.created']);
      });

      it('ignores an unknown event type with a 2xx and logs it', async () => {
        const result = await send('session.renamed', { sessionId: randomUUID() }, { webhookId: 'msg_unknown_type' });
        expect(result).toMatchObject({ status: 200, body: { outcome: 'ignored' } });
        expect(stack.logs.some((line) => line.includes('unknown type') && line.includes('session.renamed'))).toBe(true);
      });

      it.each([
        ['an unknown employment', 'solver.upserted', { ...ADA, email: 'x@example.com', employment: 'intern' }, /data\.employment/],
        [
          'a NUL byte in a name',
          'solver.upserted',
          { ...ADA, email: 'y@example.com', name: 'Ada\u0000' },
          /data\.name: name must not contain control/,
        ],
        [
          'a session id that is not a UUID',
          'session.upserted',
          upserted({ sessionId: 'abc' }),
          /data\.sessionId: sessionId must be a UUID/,
        ],
        [
          'an impossible phone number',
          'session.upserted',
          upserted({ customerPhone: '555-1234' }),
          /data\.customerPhone: .*not a valid phone number/,
        ],
        ['a missing occurredAt', 'session.ended', { sessionId: randomUUID() }, /data\.occurredAt/],
      ])('answers 400 naming the field for %s, storing nothing', async (_case, type, data, message) => {
        const [sessionsBefore, solversBefore] = [await sessionCount(), (await db().select({ n: count() }).from(solvers))[0]!.n];
        const result = await send(type, data);
        expect(result.status).toBe(400);
        expect(result.body.error.message).toMatch(message);
        expect(await sessionCount()).toBe(sessionsBefore);
        expect((await db().select({ n: count() }).from(solvers))[0]!.n).toBe(solversBefore);
        const receipts = await db().select().from(webhookReceipts).where(eq(webhookReceipts.webhookId, result.webhookId));
        expect(receipts).toHaveLength(0); // a corrected retry of the same id is applied
      });

      it('answers 409 for a session whose solver it does not know yet, and applies the retry once the solver arrives', async () => {
        const data = upserted({ solverEmail: 'newcomer@example.com' });
        const early = await send('session.upserted', data, { webhookId: 'msg_early' });
        expect(early.status).toBe(409);
        expect(early.body.error.message).toMatch(/data\.solverEmail: no solver with the email newcomer@example.com/);
        await send('solver.upserted', { ...ADA, email: 'newcomer@example.com', name: 'Newcomer', googleEmail: null });
        expect((await send('session.upserted', data, { webhookId: 'msg_early' })).body.outcome).toBe('created');
      });

      it('normalises a national phone number to E.164 with DEFAULT_PHONE_REGION', async () => {
        const data = upserted({ customerPhone: '(415) 555-0142' });
        await send('session.upserted', data);
        expect((await sessionRow(data.sessionId))!.customerPhone).toBe('+14155550142');
      });

      it('never lets an older event overwrite newer state', async () => {
        const data = upserted({ occurredAt: at(1) });
        await send('session.upserted', data);
        const older = await send('session.upserted', { ...data, customerName: 'Old Name', occurredAt: at(5) });
        expect(older.body.outcome).toBe('stale');
        const newer = await send('session.upserted', { ...data, customerName: 'New Name', occurredAt: at(0) });
        expect(newer.body.outcome).toBe('updated');
        expect((await sessionRow(data.sessionId))!.customerName).toBe('New Name');

        await send('solver.upserted', { ...BOB, name: 'Bob New' }, { timestamp: new Date() });
        const stale = await send('solver.upserted', { ...BOB, name: 'Bob Old' }, { timestamp: new Date(Date.now() - 60_000) });
        expect(stale.body.outcome).toBe('stale');
        expect((await db().select().from(solvers).where(eq(solvers.email, BOB.email)))[0]!.name).toBe('Bob New');
      });

      it('never reopens an ended session with a late session.upserted', async () => {
        const data = upserted({ occurredAt: at(3) });
        await send('session.upserted', data);
        expect((await send('session.ended', { sessionId: data.sessionId, occurredAt: at(2) })).body.outcome).toBe('ended');
        const late = await send('session.upserted', { ...data, status: 'active', occurredAt: at(1) });
        expect(late.body.outcome).toBe('ended');
        expect((await sessionRow(data.sessionId))!.status).toBe('ended');
      });

      it('moves a reassigned session to its new solver; the old one drops it, the Meet link stays', async () => {
        const [adaToken, bobToken] = [await signIn(ADA.email), await signIn(BOB.email)];
        const data = upserted({ occurredAt: at(2) });
        await send('session.upserted', data);
        const link = await createLink(data.sessionId, adaToken);
        expect(link.body.usedFallback).toBe(false);

        const bob = (await db().select().from(solvers).where(eq(solvers.email, BOB.email)))[0]!;
        const ada = (await db().select().from(solvers).where(eq(solvers.email, ADA.email)))[0]!;
        const updatesFor = (solverId: string) =>
          stack.emulators.ably
            .messages(solverChannel(solverId))
            .filter((message) => (message.data as { sessionId?: string } | undefined)?.sessionId === data.sessionId).length;
        await eventually(() => updatesFor(ada.id) > 0, "Ada's updates before the move");
        const adaBefore = updatesFor(ada.id);
        expect(updatesFor(bob.id)).toBe(0);

        const moved = await send('session.upserted', { ...data, solverEmail: 'BOB@example.com', occurredAt: at(1) });
        expect(moved.body.outcome).toBe('updated');
        expect(await listIds(adaToken)).not.toContain(data.sessionId);
        expect(await listIds(bobToken)).toContain(data.sessionId);
        expect((await sessionRow(data.sessionId))!.meetLink).toBe(link.body.meetLink);
        expect((await createLink(data.sessionId, bobToken)).body).toMatchObject({ meetLink: link.body.meetLink, isExisting: true });
        expect((await createLink(data.sessionId, adaToken)).status).toBe(404);

        await eventually(() => updatesFor(ada.id) > adaBefore && updatesFor(bob.id) > 0, "session.updated on both solvers' channels");
        const audit = (await stack.api.adminSession(data.sessionId)).body.audit.map((entry: { action: string }) => entry.action);
        expect(audit).toContain('session.reassigned');
      });

      it('runs the end flow on session.ended: the Calendar event ends, the link stays, the host hears session.meet_ended', async () => {
        const adaToken = await signIn(ADA.email);
        const data = upserted();
        await send('session.upserted', data);
        const link = await createLink(data.sessionId, adaToken);
        const endedAt = at(0);
        expect((await send('session.ended', { sessionId: data.sessionId, occurredAt: endedAt })).body.outcome).toBe('ended');

        const row = (await sessionRow(data.sessionId))!;
        expect(row).toMatchObject({ status: 'ended', meetLink: link.body.meetLink });
        await eventually(() => {
          const event = stack.emulators.google.calendar.events(ADA.googleEmail).find((entry) => entry.id === row.calendarEventId);
          return event?.end?.dateTime && Date.parse(event.end.dateTime) <= Date.parse(endedAt) + 1000;
        }, 'the Calendar event ended');
        const [ended] = await eventually(() => {
          const events = hostEventsFor(data.sessionId, 'session.meet_ended');
          return events.length > 0 && events;
        }, 'session.meet_ended at the host');
        expect(ended).toMatchObject({
          signatureValid: true,
          data: { sessionId: data.sessionId, endedAt: new Date(endedAt).toISOString() },
        });
        expect(await listIds(adaToken)).not.toContain(data.sessionId);
      });
    });

    describe('lazy pull of sessions the webhooks missed', () => {
      it('asks the SavvySolve app about an unknown session on the first click, stores it and makes the link', async () => {
        const adaToken = await signIn(ADA.email);
        const data = upserted({ customerPhone: '+14155550161' });
        stack.host.putSession(data);
        const result = await createLink(data.sessionId, adaToken);
        expect(result).toMatchObject({ status: 200, body: { success: true, isExisting: false, usedFallback: false } });
        const pull = stack.host.requests('sessions.get').at(-1)!;
        expect(pull.headers.authorization).toBe('Bearer savvysolve-api-token-for-tests');
        expect(await sessionRow(data.sessionId)).toMatchObject({ customerName: 'Grace Hopper', meetLink: result.body.meetLink });
        await eventually(() => stack.emulators.twilio.messages().some((message) => message.to === '+14155550161'), 'the SMS');
      });

      it.each([
        ['unknown there too', undefined, 404, /Session not found/],
        ['slow (over the 3 s timeout)', { latencyMs: 3_500 }, 503, /did not answer within 3 s/],
        ['down', { status: 503 }, 503, /answered HTTP 503/],
      ])('answers a click on a session the app is %s with %s and stores nothing', async (_case, fault, status, message) => {
        const adaToken = await signIn(ADA.email);
        const data = upserted();
        if (fault) {
          stack.host.putSession(data);
          stack.host.faults.set('sessions.get', fault);
        }
        const before = await sessionCount();
        const result = await createLink(data.sessionId, adaToken);
        expect(result.status).toBe(status);
        expect(result.body.error.message).toMatch(message);
        expect(await sessionCount()).toBe(before);
      });

      it('answers GET /api/sessions/:id for a session only the app knows, pulling it (the button asks before it shows)', async () => {
        const [adaToken, bobToken] = [await signIn(ADA.email), await signIn(BOB.email)];
        const data = upserted({ customerName: 'Pulled By Get' });
        stack.host.putSession(data);
        const other = await stack.api.call('GET', `/api/sessions/${data.sessionId.toUpperCase()}`, { token: bobToken });
        expect(other.status).toBe(404);
        const own = await stack.api.call('GET', `/api/sessions/${data.sessionId}`, { token: adaToken });
        expect(own).toMatchObject({ status: 200, body: { id: data.sessionId, customerName: 'Pulled By Get', meetLink: null } });
        expect((await stack.api.call('GET', `/api/sessions/${randomUUID()}`, { token: adaToken })).status).toBe(404);
        expect((await stack.api.call('GET', '/api/sessions/not-a-uuid', { token: adaToken })).status).toBe(400);
      });

      it("answers 404 for another solver's session, as for a missing one", async () => {
        const bobToken = await signIn(BOB.email);
        const data = upserted();
        stack.host.putSession(data);
        expect((await createLink(data.sessionId, bobToken)).status).toBe(404);
      });
    });

    describe('outbound events', () => {
      it('tells the host meet_link.created and each SMS state, signed, one webhook-id per event', async () => {
        const adaToken = await signIn(ADA.email);
        const data = upserted({ customerPhone: '+14155550171' });
        await send('session.upserted', data);
        const link = await createLink(data.sessionId, adaToken);
        const [created] = await eventually(() => {
          const events = hostEventsFor(data.sessionId, 'meet_link.created');
          return events.length > 0 && events;
        }, 'meet_link.created');
        expect(created).toMatchObject({
          signatureValid: true,
          data: { sessionId: data.sessionId, meetLink: link.body.meetLink, source: 'calendar' },
        });
        expect(Date.parse(created!.data.createdAt)).toBeGreaterThan(Date.now() - 60_000);
        const accepted = await eventually(
          () => hostEventsFor(data.sessionId, 'sms.status_changed').find((event) => event.data.status === 'accepted'),
          'sms.status_changed accepted',
        );
        expect(accepted).toMatchObject({ signatureValid: true, data: { error: null } });
        const ids = stack.host.events().map((event) => event.webhookId);
        expect(new Set(ids).size).toBe(ids.length);
      });

      it('delivers an event later when the host is down, under the same webhook-id', async () => {
        const adaToken = await signIn(ADA.email);
        const data = upserted({ customerPhone: '+14155550172' });
        await send('session.upserted', data);
        stack.host.faults.set('events', { status: 503, times: 2 });
        await createLink(data.sessionId, adaToken);
        const attempts = await eventually(
          () => {
            const events = hostEventsFor(data.sessionId, 'meet_link.created');
            return events.some((event) => event.status === 204) && events;
          },
          'meet_link.created delivered after the outage',
          30_000,
        );
        expect(new Set(attempts.map((event) => event.webhookId)).size).toBe(1);
        expect(attempts.map((event) => event.status)).toContain(503);
        const view = (await stack.api.adminSession(data.sessionId)).body;
        await eventually(async () => {
          const events = (await stack.api.adminSession(data.sessionId)).body.hostEvents;
          return events.find(
            (event: { type: string; status: string }) => event.type === 'meet_link.created' && event.status === 'delivered',
          );
        }, 'delivered in the admin view');
        expect(view.hostEvents.length).toBeGreaterThan(0);
      });

      it('delivers an event within 15 s of a host that was down for 4 s, once', async () => {
        const adaToken = await signIn(ADA.email);
        const data = upserted({ customerPhone: '+14155550174' });
        await send('session.upserted', data);
        stack.host.faults.set('events', { status: 503 });
        await createLink(data.sessionId, adaToken);
        await eventually(() => hostEventsFor(data.sessionId, 'meet_link.created').length > 0, 'the first attempt, refused');
        await new Promise((resolve) => setTimeout(resolve, 4_000)); // the outage itself
        stack.host.faults.clear();
        const upAt = Date.now();
        await eventually(
          () => hostEventsFor(data.sessionId, 'meet_link.created').some((event) => event.status === 204),
          'meet_link.created within 15 s of the host coming back',
          15_000,
        );
        expect(Date.now() - upAt).toBeLessThan(15_000);
        // Once: its job has completed, so nothing is left that could send it again.
        await eventually(async () => {
          const rows = await db().execute(
            sql`select count(*)::int as n from pgboss.job where name = 'host.deliver' and state <> 'completed' and data->>'eventId' in (select id::text from host_events where session_id = ${data.sessionId})`,
          );
          return rowsOf<{ n: number }>(rows)[0]!.n === 0;
        }, 'every host.deliver job of the session settled');
        const delivered = hostEventsFor(data.sessionId, 'meet_link.created').filter((event) => event.status === 204);
        expect(delivered).toHaveLength(1);
      });

      it('stops retrying an event the host refuses with a 4xx, and shows it in the admin view and the audit trail', async () => {
        const adaToken = await signIn(ADA.email);
        const data = upserted({ customerPhone: '+14155550173' });
        await send('session.upserted', data);
        stack.host.faults.set('events', { status: 400 });
        await createLink(data.sessionId, adaToken);
        const refused = await eventually(async () => {
          const view = (await stack.api.adminSession(data.sessionId)).body;
          const event = view.hostEvents.find((entry: { type: string }) => entry.type === 'meet_link.created');
          return event?.status === 'refused' && view;
        }, 'the refusal in the admin view');
        expect(refused.hostEvents.find((entry: { type: string }) => entry.type === 'meet_link.created')).toMatchObject({
          attempts: 1,
          lastError: 'the host answered HTTP 400',
        });
        expect(refused.audit.map((entry: { action: string }) => entry.action)).toContain('host_event.refused');
        await settle(stack, data.sessionId, LIVE_POLLS); // no retry of the refused event is left
        expect(hostEventsFor(data.sessionId, 'meet_link.created')).toHaveLength(1);
      });
    });

    describe('admin API with SavvySolve ids', () => {
      it("upserts a session under the host's id, naming the solver by email", async () => {
        const id = randomUUID();
        const body = { id, solverEmail: 'ADA@example.com', customerName: 'Katherine Johnson', customerPhone: '415 555 0188' };
        const created = await stack.api.call('POST', '/api/admin/sessions', { json: body, token: 'admin-token-for-tests-0123456789' });
        expect(created).toMatchObject({ status: 201, body: { id, outcome: 'created' } });
        const updated = await stack.api.call('POST', '/api/admin/sessions', {
          json: { ...body, customerName: 'K. Johnson' },
          token: 'admin-token-for-tests-0123456789',
        });
        expect(updated).toMatchObject({ status: 200, body: { id, outcome: 'updated' } });
        expect(await sessionRow(id)).toMatchObject({ customerName: 'K. Johnson', customerPhone: '+14155550188' });
      });
    });
  });
}
