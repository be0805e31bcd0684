import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SAVVYSOLVE_WEBHOOK_PATH, type SessionSummary } from '../../shared/index.ts';
import { ADMIN_TOKEN, eventually, startStack, type DatabaseChoice, type GoogleAuthMode, type Stack } from './stack.ts';

const CALENDAR = 'https://www.googleapis.com/auth/calendar';
const ADA = { email: 'ada@example.com', name: 'Ada Lovelace', employment: 'employed', googleEmail: 'ada@example.com' } as const;
// Bob's delegation grants Calendar only, from the start (a token already issued keeps its scopes for its hour).
const BOB = { email: 'bob@example.com', name: 'Bob Byron', employment: 'employed', googleEmail: 'bob@example.com' } as const;
const codeOf = (meetLink: string) => /([a-z]{3}-[a-z]{4}-[a-z]{3})$/.exec(meetLink)![1]!;

/** Meet space control through the emulated Meet REST API v2: access, attendance, retirement. */
export function describeMeetSpace(database: DatabaseChoice, auth: GoogleAuthMode = 'key') {
  describe(`Meet space control on ${database}, google: ${auth}`, () => {
    let stack: Stack;
    const tokens = new Map<string, string>();
    let phone = 14155553000;

    const summary = async (sessionId: string, solver: string = ADA.email): Promise<SessionSummary | undefined> =>
      (await stack.api.call('GET', '/api/sessions', { token: tokens.get(solver) })).body.sessions.find(
        (entry: SessionSummary) => entry.id === sessionId,
      );
    /** Waits until the session's summary satisfies `check`, and returns it. */
    const summaryWhen = (sessionId: string, check: (view: SessionSummary) => unknown, what: string, solver: string = ADA.email) =>
      eventually(async () => {
        const view = await summary(sessionId, solver);
        return view && check(view) ? view : undefined;
      }, what);
    async function escalate(solver: string = ADA.email) {
      const customerPhone = `+${(phone += 1)}`;
      const sessionId = randomUUID();
      const event = {
        sessionId,
        solverEmail: solver,
        customerName: 'Grace Hopper',
        customerPhone,
        status: 'active',
        occurredAt: new Date().toISOString(),
      };
      expect((await stack.host.sendWebhook(`${stack.backend.url}${SAVVYSOLVE_WEBHOOK_PATH}`, 'session.upserted', event)).status).toBe(200);
      const link = await stack.api.call('POST', '/api/meet/links', { json: { sessionId }, token: tokens.get(solver) });
      expect(link.body).toMatchObject({ success: true, usedFallback: false });
      return { sessionId, customerPhone, meetLink: link.body.meetLink as string, code: codeOf(link.body.meetLink) };
    }
    const smsTo = (customerPhone: string) => stack.emulators.twilio.messages().filter((message) => message.to === customerPhone);

    beforeAll(async () => {
      stack = await startStack(
        database,
        {},
        {},
        { auth, meetSpace: { retryBaseDelayMs: 20, pollCadence: { fastSeconds: 1, slowSeconds: 1 }, retireConfirmSeconds: 3 } },
      );
      stack.emulators.google.setDelegation(BOB.email, [CALENDAR]);
      for (const solver of [ADA, BOB]) {
        await stack.host.sendWebhook(`${stack.backend.url}${SAVVYSOLVE_WEBHOOK_PATH}`, 'solver.upserted', solver);
        tokens.set(solver.email, await stack.signIn(solver.email));
      }
    });
    afterAll(async () => stack?.close());
    beforeEach(() => stack.emulators.clearFaults());

    it('opens the room to the customer (OPEN) before texting them, and says so on the session', async () => {
      const { sessionId, customerPhone, code } = await escalate();
      await eventually(() => smsTo(customerPhone).length > 0, 'the SMS');
      expect(stack.emulators.google.meet.space(code)).toMatchObject({ config: { accessType: 'OPEN' } });
      const spaceName = stack.emulators.google.meet.space(code)!.name;
      const patch = stack.emulators.google.requests('spaces.patch').find((request) => request.path.endsWith(spaceName));
      const sms = stack.emulators.twilio.requests('messages.create').find((request) => request.body?.To === customerPhone);
      expect(patch!.receivedAt).toBeLessThanOrEqual(sms!.receivedAt);
      const view = await summaryWhen(sessionId, (entry) => entry.meetSpace?.access.state === 'applied', 'applied');
      expect(view.meetSpace).toMatchObject({ access: { state: 'applied', accessType: 'OPEN', problem: null }, retired: null });
      const admin = (await stack.api.adminSession(sessionId)).body;
      expect(admin.meetSpaceName).toBe(stack.emulators.google.meet.space(code)!.name);
      expect(admin.meetSpaceName).not.toContain(code);
    });

    it('still texts the customer when the delegation lacks the Meet scopes, and says why in plain words', async () => {
      const { sessionId, customerPhone, code } = await escalate(BOB.email);
      await eventually(() => smsTo(customerPhone).length === 1, 'the SMS');
      expect(stack.emulators.google.meet.space(code)).toMatchObject({ config: { accessType: 'TRUSTED' } });
      const view = await summaryWhen(sessionId, (entry) => entry.meetSpace?.access.state === 'failed', 'failed', BOB.email);
      expect(view.meetSpace!.access.problem).toMatch(/Workspace admin has not yet allowed SavvySolve Meet to change Meet settings/);
      const audit = (await stack.api.adminSession(sessionId)).body.audit.map((entry: { action: string }) => entry.action);
      expect(audit).toContain('meet_space.access_failed');
    });

    it('still texts the customer when Meet answers 503 every time', async () => {
      stack.emulators.google.faults.set('spaces.get', { status: 503 });
      const { sessionId, customerPhone } = await escalate();
      await eventually(() => smsTo(customerPhone).length === 1, 'the SMS');
      const view = await summaryWhen(sessionId, (entry) => entry.meetSpace?.access.state === 'failed', 'failed');
      expect(view.meetSpace!.access.problem).toMatch(/unavailable/);
    });

    it('follows who came: the customer joins, leaves, re-joins, the call ends; the host hears it', async () => {
      const { sessionId, code } = await escalate();
      const adaAccount = stack.emulators.google.googleAccountIdFor(ADA.email);
      const t0 = Date.now();
      stack.emulators.google.meet.join(code, { kind: 'signedin', userId: adaAccount, displayName: 'Ada' }, new Date(t0));
      stack.emulators.google.meet.join(code, { kind: 'anonymous', displayName: 'Grace' }, new Date(t0 + 60_000));
      const joined = await summaryWhen(sessionId, (entry) => entry.meetSpace?.attendance.customerJoinedAt, 'the customer in the call');
      expect(joined.meetSpace!.attendance).toMatchObject({
        customerJoinedAt: new Date(t0 + 60_000).toISOString(),
        customerLeftAt: null,
        solverJoinedAt: new Date(t0).toISOString(),
        callStartedAt: new Date(t0).toISOString(),
        callEndedAt: null,
      });
      await eventually(
        () => stack.host.events().find((event) => event.type === 'meet.customer_joined' && event.data.sessionId === sessionId),
        'meet.customer_joined at the host',
      );

      stack.emulators.google.meet.leave(code, { kind: 'anonymous', displayName: 'Grace' }, new Date(t0 + 120_000));
      await summaryWhen(sessionId, (entry) => entry.meetSpace?.attendance.customerLeftAt, 'the customer left');
      stack.emulators.google.meet.join(code, { kind: 'anonymous', displayName: 'Grace' }, new Date(t0 + 180_000));
      await summaryWhen(sessionId, (entry) => entry.meetSpace?.attendance.customerLeftAt === null, 'the customer back');

      stack.emulators.google.meet.endCall(code, new Date(t0 + 600_000));
      const ended = await summaryWhen(sessionId, (entry) => entry.meetSpace?.attendance.callEndedAt, 'ended');
      expect(ended.meetSpace!.attendance.callEndedAt).toBe(new Date(t0 + 600_000).toISOString());
      const callEnded = await eventually(
        () => stack.host.events().find((event) => event.type === 'meet.call_ended' && event.data.sessionId === sessionId),
        'meet.call_ended at the host',
      );
      expect(callEnded).toMatchObject({ signatureValid: true, data: { durationSeconds: 600 } });
      expect(
        stack.host.events().filter((event) => event.type === 'meet.customer_joined' && event.data.sessionId === sessionId),
      ).toHaveLength(1);
    });

    it('retires the room at the end (RESTRICTED) and stops polling', async () => {
      const { sessionId, code } = await escalate();
      await summaryWhen(sessionId, (entry) => entry.meetSpace?.access.state === 'applied', 'applied');
      const end = await stack.api.call('POST', `/api/admin/sessions/${sessionId}/end`, { token: ADMIN_TOKEN });
      expect(end.status).toBe(200);
      await eventually(() => stack.emulators.google.meet.space(code)?.config?.accessType === 'RESTRICTED', 'RESTRICTED');
      const view = await eventually(async () => {
        const admin = (await stack.api.adminSession(sessionId)).body;
        return admin.meetSpace?.retired === 'done' ? admin : undefined;
      }, 'retired');
      expect(view.audit.map((entry: { action: string }) => entry.action)).toContain('meet_space.retired');
      await new Promise((resolve) => setTimeout(resolve, 1_500)); // a poll in flight at the end may finish
      const polls = () =>
        stack.emulators.google.requests('conferenceRecords.list').filter((request) => request.query.filter?.includes(view.meetSpaceName))
          .length;
      const before = polls();
      await new Promise((resolve) => setTimeout(resolve, 2_500));
      expect(polls()).toBe(before);
    });

    it('keeps the room of a session that ended while it was being opened retired (never reopened)', async () => {
      stack.emulators.google.faults.set('spaces.patch', { latencyMs: 1_500, times: 1 });
      const { sessionId, code } = await escalate();
      expect((await stack.api.call('POST', `/api/admin/sessions/${sessionId}/end`, { token: ADMIN_TOKEN })).status).toBe(200);
      // Applied (the end came during the PATCH) or left unchanged (the end came first): either way, never left open.
      await eventually(
        async () => ['applied', 'unchanged'].includes((await stack.api.adminSession(sessionId)).body.meetSpace?.access.state),
        'the access step done',
      );
      await eventually(async () => (await stack.api.adminSession(sessionId)).body.meetSpace?.retired === 'done', 'retired');
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(stack.emulators.google.meet.space(code)?.config?.accessType).toBe('RESTRICTED');
    });

    it('restricts the room again when a timed-out OPEN is applied at Google after the retirement', async () => {
      // The access step's first PATCH times out here (4 s) but Google applies it at 6 s: after the retirement (~4 s,
      // once the retried PATCH succeeded) and before the confirmation (3 s later in this suite).
      stack.emulators.google.faults.set('spaces.patch', { latencyMs: 6_000, times: 1 });
      const patches = stack.emulators.google.requests('spaces.patch').length;
      const { sessionId, code } = await escalate();
      await eventually(() => stack.emulators.google.requests('spaces.patch').length > patches, 'the first PATCH under way');
      expect((await stack.api.call('POST', `/api/admin/sessions/${sessionId}/end`, { token: ADMIN_TOKEN })).status).toBe(200);
      await eventually(
        async () =>
          (await stack.api.adminSession(sessionId)).body.audit.some(
            (entry: { action: string; details: { again?: boolean } }) => entry.action === 'meet_space.retired' && entry.details.again,
          ),
        'the room restricted again',
        20_000,
      );
      expect(stack.emulators.google.meet.space(code)?.config?.accessType).toBe('RESTRICTED');
    });

    it('shows a retirement Google refuses in the admin session view', async () => {
      const { sessionId } = await escalate(BOB.email);
      await summaryWhen(sessionId, (entry) => entry.meetSpace?.access.state === 'failed', 'the access step done', BOB.email);
      await stack.api.call('POST', `/api/admin/sessions/${sessionId}/end`, { token: ADMIN_TOKEN });
      const view = await eventually(async () => {
        const admin = (await stack.api.adminSession(sessionId)).body;
        return admin.meetSpace?.retired === 'failed' ? admin : undefined;
      }, 'retire failed');
      expect(view.meetSpaceRetireProblem).toMatch(/Workspace admin has not yet allowed/);
      expect(view.audit.map((entry: { action: string }) => entry.action)).toContain('meet_space.retire_failed');
    });
  });
}
