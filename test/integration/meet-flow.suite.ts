import { count, eq } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { sessions } from '../../backend/db/schema.ts';
import { FALLBACK_MEET_LINK, meetSmsBody, realtimeTokenRequestSchema, sessionChannel } from '../../shared/index.ts';
import { ADMIN_TOKEN, SESSION_SECRET, eventually, startStack, type DatabaseChoice, type GoogleAuthMode, type Stack } from './stack.ts';

const CUSTOMER_PHONE = '+14155550123';

/** The escalation API end to end: real googleapis / twilio / ably SDKs against the emulators, on one database. */
export function describeMeetFlow(database: DatabaseChoice, auth: GoogleAuthMode = 'key') {
  describe(`Meet escalation end to end on ${database}, google: ${auth}`, () => {
    let stack: Stack;
    let ada: { id: string; token: string };
    let carl: { id: string; token: string };

    const newSession = (solverId = ada.id, customerPhone = CUSTOMER_PHONE) =>
      stack.api.createSession({ solverId, customerName: 'Grace Hopper', customerPhone });
    const createLink = (sessionId: unknown, token = ada.token) => stack.api.call('POST', '/api/meet/links', { json: { sessionId }, token });
    const smsTo = (phone: string) => stack.emulators.twilio.messages().filter((message) => message.to === phone);
    const sessionCount = async () => (await stack.backend.database.db.select({ n: count() }).from(sessions))[0]!.n;

    beforeAll(async () => {
      stack = await startStack(database, {}, {}, { auth });
      const adaId = await stack.api.createSolver({
        name: 'Ada Lovelace',
        email: 'ada@example.com',
        employment: 'employed',
        googleEmail: 'ada@example.com',
      });
      const carlId = await stack.api.createSolver({ name: 'Carl Contract', email: 'carl@example.com', employment: 'contract' });
      ada = { id: adaId, token: await stack.signIn('ada@example.com') };
      carl = { id: carlId, token: await stack.signIn('carl@example.com') };
    });
    afterAll(async () => stack?.close());
    beforeEach(() => stack.emulators.clearFaults());

    it('reports the database and every integration as configured on /health', async () => {
      const health = await stack.api.call('GET', '/health');
      expect(health.status).toBe(200);
      expect(health.body).toEqual({
        status: 'ok',
        database: { kind: database, ok: true },
        integrations: {
          googleCalendar: 'configured',
          googleSignIn: 'configured',
          twilio: 'configured',
          ably: 'configured',
          adminApi: 'configured',
          savvysolveWebhooks: 'configured',
          savvysolveApi: 'configured',
          savvysolveEvents: 'configured',
        },
        // ABLY_REALTIME_URL: where the extension's realtime client connects (the emulator).
        realtime: { endpoint: '127.0.0.1', port: stack.emulators.ably.port, tls: false },
        google: auth,
      });
    });

    describe('sign-in', () => {
      const signIn = (googleAccessToken: string) => stack.api.call('POST', '/api/auth/session', { json: { googleAccessToken } });
      const token = (email: string, audience = 'savvysolve-ext.apps.googleusercontent.com', emailVerified = true) =>
        stack.emulators.google.issueAccessToken({ email, audience, emailVerified });

      it('exchanges a verified Google token for a session token and the solver, matching email case-insensitively', async () => {
        const result = await signIn(token('ADA@Example.com'));
        expect(result.status).toBe(200);
        expect(result.body.solver).toEqual({
          id: ada.id,
          name: 'Ada Lovelace',
          email: 'ada@example.com',
          employment: 'employed',
          googleEmail: 'ada@example.com',
          disabled: false,
        });
        expect(Date.parse(result.body.expiresAt)).toBeGreaterThan(Date.now());
        expect((await stack.api.call('GET', '/api/meet/can-use', { token: result.body.token })).body).toEqual({ canUse: true });
      });

      it.each([
        ['an unknown token', () => 'ya29.not-a-real-token', 401, /did not accept/],
        ['a token of another app', () => token('ada@example.com', 'other-app.apps.googleusercontent.com'), 401, /another application/],
        ['an account of another domain', () => token('eve@evil.test'), 403, /evil\.test may not sign in/],
        ['an unverified email', () => token('ada@example.com', undefined, false), 403, /not verified/],
        ['an account with no solver', () => token('nobody@example.com'), 403, /No SavvySolve solver is registered for nobody@example.com/],
      ])('refuses %s', async (_case, makeToken, status, message) => {
        const result = await signIn(makeToken());
        expect(result.status).toBe(status);
        expect(result.body.error.message).toMatch(message);
      });
    });

    it('escalates a session: one Calendar event with Meet, the link stored, the exact SMS and the system message', async () => {
      const sessionId = await newSession();
      const result = await createLink(sessionId);
      expect(result.status).toBe(200);
      expect(result.body).toMatchObject({ success: true, isExisting: false, usedFallback: false });

      const events = stack.emulators.google.calendar.events('ada@example.com').filter((event) => event.description?.includes(sessionId));
      expect(events).toHaveLength(1);
      expect(events[0]).toMatchObject({
        summary: 'SavvySolve Support Session - Grace Hopper',
        description: `Support session ID: ${sessionId}`,
      });
      const video = events[0]!.conferenceData?.entryPoints?.find((entry: { entryPointType: string }) => entry.entryPointType === 'video');
      expect(result.body.meetLink).toBe(video?.uri);

      const sms = await eventually(() => smsTo(CUSTOMER_PHONE).find((message) => message.body.includes(result.body.meetLink)), 'the SMS');
      expect(sms.body).toBe(meetSmsBody('Ada Lovelace', result.body.meetLink));
      expect(sms.from).toBe(stack.emulators.backendEnv.TWILIO_FROM_NUMBER);

      const system = await eventually(
        () => stack.emulators.ably.messages(sessionChannel(sessionId)).find((message) => message.name === 'system'),
        'the system message',
      );
      expect(system.data).toMatchObject({ type: 'meet_link', sessionId, meetLink: result.body.meetLink });

      const listed = await eventually(async () => {
        const list = await stack.api.call('GET', '/api/sessions', { token: ada.token });
        const session = list.body.sessions.find((entry: { id: string }) => entry.id === sessionId);
        return session?.sms?.status === 'accepted' && session;
      }, 'SMS state accepted in the session list');
      expect(listed).toMatchObject({
        meetLink: result.body.meetLink,
        meetLinkSource: 'calendar',
        customerName: 'Grace Hopper',
        status: 'active',
      });

      const again = await createLink(sessionId);
      expect(again.body).toEqual({ success: true, meetLink: result.body.meetLink, isExisting: true, usedFallback: false });
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(smsTo(CUSTOMER_PHONE).filter((message) => message.body.includes(result.body.meetLink))).toHaveLength(1);
    });

    it(`signs the delegated tokens ${auth === 'keyless' ? 'through IAM Credentials, with no key' : 'with the key'}`, () => {
      const signs = stack.emulators.google.requests('signJwt');
      expect(stack.emulators.google.requests('token').length).toBeGreaterThan(0);
      expect(signs.length > 0).toBe(auth === 'keyless');
      expect(signs.every((request) => request.path.includes(encodeURIComponent(stack.emulators.serviceAccount.clientEmail)))).toBe(true);
    });

    it('polls a pending conference until Google has the room', async () => {
      stack.emulators.google.setConferenceMode({ pendingPolls: 2 });
      try {
        const result = await createLink(await newSession());
        expect(result.body).toMatchObject({ usedFallback: false, isExisting: false });
        expect(result.body.meetLink).toMatch(/\/[a-z]{3}-[a-z]{4}-[a-z]{3}$/);
      } finally {
        stack.emulators.google.setConferenceMode('success');
      }
    });

    it('gives 20 simultaneous clicks one event, one link and one SMS', async () => {
      const phone = '+14155550777';
      const sessionId = await newSession(ada.id, phone);
      const results = await Promise.all(Array.from({ length: 20 }, () => createLink(sessionId)));
      const links = new Set(results.map((result) => result.body.meetLink));
      expect(results.every((result) => result.status === 200 && !result.body.usedFallback)).toBe(true);
      expect(links.size).toBe(1);
      expect(results.filter((result) => !result.body.isExisting)).toHaveLength(1);
      expect(
        stack.emulators.google.calendar.events('ada@example.com').filter((event) => event.description?.includes(sessionId)),
      ).toHaveLength(1);
      await eventually(() => smsTo(phone).length === 1, 'the one SMS');
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(smsTo(phone)).toHaveLength(1);
    });

    describe('fallback', () => {
      it('falls back when delegation is not granted, texts nothing, and logs what the admin must grant', async () => {
        const bobId = await stack.api.createSolver({
          name: 'Bob',
          email: 'bob@example.com',
          employment: 'employed',
          googleEmail: 'bob.nodelegation@example.com',
        });
        const bobToken = await stack.signIn('bob@example.com');
        const phone = '+14155550888';
        const sessionId = await newSession(bobId, phone);
        const result = await createLink(sessionId, bobToken);
        expect(result.body).toEqual({ success: true, meetLink: FALLBACK_MEET_LINK, isExisting: false, usedFallback: true });
        expect(stack.logs.some((line) => line.includes('Domain-wide delegation is not granted for bob.nodelegation@example.com'))).toBe(
          true,
        );
        await new Promise((resolve) => setTimeout(resolve, 700));
        expect(smsTo(phone)).toHaveLength(0);
        expect((await stack.api.adminSession(sessionId)).body).toMatchObject({ meetLink: null, meetLinkSource: 'fallback', sms: null });
      });

      it('falls back after bounded retries when Calendar answers 503', async () => {
        const phone = '+14155550999';
        const sessionId = await newSession(ada.id, phone);
        stack.emulators.google.faults.set('events.insert', { status: 503 });
        const result = await createLink(sessionId);
        expect(result.body.usedFallback).toBe(true);
        expect(
          stack.emulators.google.requests('events.insert').filter((request) => request.body?.description?.includes(sessionId)).length,
        ).toBe(3);
        stack.emulators.google.faults.clear();
        const retried = await createLink(sessionId);
        expect(retried.body).toMatchObject({ usedFallback: false, isExisting: false });
        await eventually(() => smsTo(phone).length === 1, 'the SMS of the real link');
        expect(smsTo(phone)[0]!.body).toContain(retried.body.meetLink);
      });
    });

    if (auth === 'keyless') {
      describe("keyless signing failures: the fallback link, nothing texted, the admin's fix in the log", () => {
        let n = 0;
        /** A solver never seen before, so no cached token hides the failure. */
        const freshSolver = async () => {
          const email = `keyless${++n}@example.com`;
          stack.emulators.google.setDelegation(email, 'all');
          const id = await stack.api.createSolver({ name: `Keyless ${n}`, email, employment: 'employed', googleEmail: email });
          return { id, token: await stack.signIn(email) };
        };
        const iam = () => stack.emulators.google.iam;
        const serviceAccount = () => stack.emulators.serviceAccount.clientEmail;

        it.each([
          [
            'Token Creator revoked',
            () => iam().setTokenCreator(serviceAccount(), false),
            () => iam().setTokenCreator(serviceAccount(), true),
            () =>
              `grant roles/iam.serviceAccountTokenCreator (Service Account Token Creator) on ${serviceAccount()} to ${iam().attachedServiceAccount}`,
          ],
          [
            'IAM Credentials API disabled',
            () => iam().setIamCredentialsEnabled(false),
            () => iam().setIamCredentialsEnabled(true),
            () => 'The IAM Service Account Credentials API is disabled in projects/',
          ],
          [
            'IAM Credentials down (503, retried once)',
            () => stack.emulators.google.faults.set('signJwt', { status: 503 }),
            () => stack.emulators.google.faults.clear(),
            () => 'Google IAM Credentials is unavailable (HTTP 503), also on a second try',
          ],
        ])('%s', async (_name, breakIt, repair, fix) => {
          const solver = await freshSolver();
          const phone = `+1415555${String(7000 + n).padStart(4, '0')}`;
          const sessionId = await newSession(solver.id, phone);
          const signsBefore = stack.emulators.google.requests('signJwt').length;
          breakIt();
          try {
            const result = await createLink(sessionId, solver.token);
            expect(result.body).toEqual({ success: true, meetLink: FALLBACK_MEET_LINK, isExisting: false, usedFallback: true });
            expect(stack.logs.some((line) => line.includes(fix()))).toBe(true);
            // The fallback stores no link and queues no SMS, in the same transaction as the audit row.
            expect((await stack.api.adminSession(sessionId)).body).toMatchObject({ meetLink: null, meetLinkSource: 'fallback', sms: null });
            expect(smsTo(phone)).toHaveLength(0);
            // No Calendar retries on a signing failure: one signJwt (two for an outage: one retry), then the fallback.
            expect(stack.emulators.google.requests('signJwt').length - signsBefore).toBe(_name.includes('503') ? 2 : 1);
          } finally {
            repair();
          }
          const recovered = await createLink(sessionId, solver.token);
          expect(recovered.body).toMatchObject({ usedFallback: false });
          await eventually(() => smsTo(phone).length === 1, 'the SMS of the real link');
        });

        it('one IAM 503 is retried and the click gets its room', async () => {
          const solver = await freshSolver();
          stack.emulators.google.faults.set('signJwt', { status: 503, times: 1 });
          const result = await createLink(await newSession(solver.id, '+14155557999'), solver.token);
          expect(result.body).toMatchObject({ usedFallback: false, isExisting: false });
          // Settled before the next test counts what was sent.
          await eventually(() => smsTo('+14155557999').length === 1, 'the SMS of the room');
        });
      });
    }

    describe('nothing lost when Twilio or Ably are down', () => {
      it('delivers the SMS and the system message after outages', async () => {
        stack.emulators.twilio.faults.set('messages.create', { status: 503, times: 2 });
        stack.emulators.ably.faults.set('publish', { status: 503, times: 2 });
        const phone = '+14155550444';
        const sessionId = await newSession(ada.id, phone);
        const result = await createLink(sessionId);
        expect(result.body.usedFallback).toBe(false);
        await eventually(() => smsTo(phone).length === 1, 'the SMS after the outage', 30_000);
        await eventually(
          () => stack.emulators.ably.messages(sessionChannel(sessionId)).length === 1,
          'the system message after the outage',
          30_000,
        );
        const detail = await eventually(async () => {
          const session = (await stack.api.adminSession(sessionId)).body;
          return session.sms?.status === 'accepted' && session;
        }, 'SMS state accepted');
        expect(detail.sms.error).toBeNull();
      }, 60_000);

      it('marks an SMS to an unsubscribed number failed at once, with the reason', async () => {
        const phone = stack.emulators.twilio.unsubscribedNumber;
        const sessionId = await newSession(ada.id, phone);
        await createLink(sessionId);
        const detail = await eventually(async () => {
          const session = (await stack.api.adminSession(sessionId)).body;
          return session.sms?.status === 'failed' && session;
        }, 'SMS state failed');
        expect(detail.sms).toMatchObject({
          error: 'The customer has opted out of texts from us (they replied STOP).',
          errorCode: '21610',
          errorClass: 'opted_out',
        });
        expect(stack.emulators.twilio.requests('messages.create').filter((request) => request.body?.To === phone)).toHaveLength(1);
      });
    });

    describe('bad input: the right 4xx and nothing created or sent', () => {
      const snapshot = async () => ({
        events: stack.emulators.google.calendar.insertCount(),
        sms: stack.emulators.twilio.messages().length,
        sessions: await sessionCount(),
      });

      it.each([
        ['a non-UUID session id', () => createLink('123'), 400, 'invalid_request'],
        ['an unknown session', () => createLink('11111111-2222-4333-8444-555555555555'), 404, 'not_found'],
        ['a contract solver', async () => createLink(await newSession(carl.id), carl.token), 403, 'forbidden'],
        [
          'no session token',
          async () => stack.api.call('POST', '/api/meet/links', { json: { sessionId: await newSession() } }),
          401,
          'unauthorized',
        ],
        ['an invalid session token', async () => createLink(await newSession(), 'eyJhbGciOiJIUzI1NiJ9.e30.bad'), 401, 'unauthorized'],
        [
          'malformed JSON',
          () =>
            stack.api.call('POST', '/api/meet/links', {
              rawBody: '{"sessionId":',
              headers: { 'content-type': 'application/json' },
              token: ada.token,
            }),
          400,
          'bad_request',
        ],
        [
          'an unknown field',
          async () => stack.api.call('POST', '/api/meet/links', { json: { sessionId: await newSession(), extra: 1 }, token: ada.token }),
          400,
          'invalid_request',
        ],
      ])('%s', async (_case, request, status, code) => {
        const result = await request();
        const before = await snapshot();
        expect(result.status).toBe(status);
        expect(result.body.error.code).toBe(code);
        await new Promise((resolve) => setTimeout(resolve, 100));
        expect(await snapshot()).toEqual(before);
      });

      it('answers a foreign session exactly like a missing one', async () => {
        const foreign = await createLink(await newSession(carl.id));
        const missing = await createLink('11111111-2222-4333-8444-555555555555');
        expect(foreign.status).toBe(404);
        expect(foreign.body).toEqual(missing.body);
      });

      it('refuses a bad admin token and an impossible phone number without creating anything', async () => {
        const before = await sessionCount();
        const badToken = await stack.api.call('POST', '/api/admin/sessions', {
          json: { solverId: ada.id, customerName: 'X', customerPhone: CUSTOMER_PHONE },
          token: 'wrong-admin-token-000',
        });
        expect(badToken.status).toBe(401);
        const badPhone = await stack.api.call('POST', '/api/admin/sessions', {
          json: { solverId: ada.id, customerName: 'X', customerPhone: '555-0123' },
          token: 'admin-token-for-tests-0123456789',
        });
        expect(badPhone.status).toBe(400);
        expect(badPhone.body.error.message).toMatch(/customerPhone: .*not a valid phone number in US/);
        expect(await sessionCount()).toBe(before);
      });
    });

    describe('SMS delivery state from Twilio status callbacks', () => {
      const smsState = async (sessionId: string) => (await stack.api.adminSession(sessionId)).body.sms;

      it('moves queued → accepted → sent → delivered with signed callbacks, and never backwards', async () => {
        const phone = '+14155550555';
        const sessionId = await newSession(ada.id, phone);
        await createLink(sessionId);
        await eventually(async () => (await smsState(sessionId))?.status === 'accepted', 'SMS accepted');
        const message = smsTo(phone)[0]!;
        expect(message.statusCallback).toBe(`${stack.backend.url}/webhooks/twilio/status`);

        expect((await stack.emulators.twilio.sendStatusCallback(message.sid, 'sent')).responseStatus).toBe(204);
        expect((await smsState(sessionId)).status).toBe('sent');
        expect((await stack.emulators.twilio.sendStatusCallback(message.sid, 'delivered')).responseStatus).toBe(204);
        expect((await stack.emulators.twilio.sendStatusCallback(message.sid, 'sent')).responseStatus).toBe(204);
        expect((await smsState(sessionId)).status).toBe('delivered');
      });

      it('records an undelivered SMS with Twilio’s error code, its class and its meaning', async () => {
        const phone = '+14155550556';
        const sessionId = await newSession(ada.id, phone);
        await createLink(sessionId);
        await eventually(async () => (await smsState(sessionId))?.status === 'accepted', 'SMS accepted');
        await stack.emulators.twilio.sendStatusCallback(smsTo(phone)[0]!.sid, 'undelivered', { ErrorCode: '30005' });
        expect(await smsState(sessionId)).toMatchObject({
          status: 'undelivered',
          error: 'The customer’s carrier says this number does not exist or is no longer in service.',
          errorCode: '30005',
          errorClass: 'recipient',
        });
      });

      it('refuses a callback with a bad or missing signature and changes nothing', async () => {
        const phone = '+14155550557';
        const sessionId = await newSession(ada.id, phone);
        await createLink(sessionId);
        await eventually(async () => (await smsState(sessionId))?.status === 'accepted', 'SMS accepted');
        const form = new URLSearchParams({ MessageSid: smsTo(phone)[0]!.sid, MessageStatus: 'delivered' }).toString();
        const headers = { 'content-type': 'application/x-www-form-urlencoded' };
        const forged = await stack.api.call('POST', '/webhooks/twilio/status', {
          rawBody: form,
          headers: { ...headers, 'x-twilio-signature': 'bm90LWEtc2lnbmF0dXJl' },
        });
        const unsigned = await stack.api.call('POST', '/webhooks/twilio/status', { rawBody: form, headers });
        expect([forged.status, unsigned.status]).toEqual([403, 403]);
        expect((await smsState(sessionId)).status).toBe('accepted');
      });
    });

    it('mints an Ably token request that may only subscribe to the solver’s own channel', async () => {
      const result = await stack.api.call('GET', '/api/realtime/token', { token: ada.token });
      expect(result.status).toBe(200);
      expect(realtimeTokenRequestSchema.safeParse(result.body).success).toBe(true);
      expect(result.body).toMatchObject({ keyName: 'emu.test', clientId: `solver:${ada.id}` });
      expect(JSON.parse(result.body.capability)).toEqual({ [`solver:${ada.id}`]: ['subscribe'] });
      expect(result.body.mac).toEqual(expect.any(String));
      expect(JSON.stringify(result.body)).not.toContain('secret');
    });

    it('ends a session: the Calendar event ends now, the link stays for audit, the session leaves the list', async () => {
      const sessionId = await newSession();
      const { body } = await createLink(sessionId);
      const ended = await stack.api.call('POST', `/api/admin/sessions/${sessionId}/end`, { token: 'admin-token-for-tests-0123456789' });
      expect(ended.status).toBe(200);
      expect(ended.body).toMatchObject({ status: 'ended', meetLink: body.meetLink });
      const event = await eventually(() => {
        const found = stack.emulators.google.calendar.events('ada@example.com').find((entry) => entry.description?.includes(sessionId));
        return found && Date.parse(found.end.dateTime) <= Date.now() && found;
      }, 'the event to end');
      expect(Date.parse(event.end.dateTime)).toBeGreaterThan(Date.now() - 60_000);
      const list = await stack.api.call('GET', '/api/sessions', { token: ada.token });
      expect(list.body.sessions.map((entry: { id: string }) => entry.id)).not.toContain(sessionId);
      expect((await createLink(sessionId)).body.isExisting).toBe(true);
      const rows = await stack.backend.database.db.select().from(sessions).where(eq(sessions.id, sessionId));
      expect(rows[0]?.endedAt).toBeInstanceOf(Date);
    });

    it('never writes a secret or token into a log line (this suite ran with faults and failures)', () => {
      const env = stack.emulators.backendEnv;
      const privateKeyBody = stack.emulators.serviceAccount.json.private_key.split('\n')[1]!;
      const secrets = {
        'service-account key': privateKeyBody,
        'service-account key (base64)': env.GOOGLE_SERVICE_ACCOUNT_KEY.slice(0, 40),
        'Twilio auth token': env.TWILIO_AUTH_TOKEN,
        'Ably key': env.ABLY_API_KEY,
        'session secret': SESSION_SECRET,
        'admin token': ADMIN_TOKEN,
        "a solver's session token": ada.token,
      };
      expect(stack.logs.length).toBeGreaterThan(100);
      const leaks = Object.entries(secrets).filter(([, secret]) => stack.logs.some((line) => line.includes(secret)));
      expect(leaks.map(([name]) => name)).toEqual([]);
      const googleTokens = stack.emulators.google
        .requests('tokeninfo')
        .map((request) => request.headers.authorization?.replace(/^Bearer /, ''));
      expect(googleTokens.length).toBeGreaterThan(3);
      expect(googleTokens.filter((token) => token && stack.logs.some((line) => line.includes(token)))).toEqual([]);
    });
  });
}
