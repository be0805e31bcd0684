import { randomUUID } from 'node:crypto';
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SIGN_IN_GLOBAL, SIGN_IN_PER_ADDRESS } from '../../backend/auth/sign-in-throttle.ts';
import { rateLimits } from '../../backend/db/schema.ts';
import { postgresAvailable } from '../support/postgres.ts';
import {
  OAUTH_CLIENT_ID,
  LIVE_POLLS,
  eventually,
  settleAll,
  startStack,
  type DatabaseChoice,
  type Stack,
  snapshotSideEffects,
} from './stack.ts';

// Sign-in abuse, upstream failures and the other edges of the HTTP surface, in the abuse matrix's style: each case
// asserts the status, the message, how many times Google was asked, and that nothing was stored or sent.
const CUSTOMER = { name: 'Grace Hopper', phone: '+14155550123' };
const BAD_TOKEN_MESSAGE = 'googleAccessToken: must be visible ASCII characters only (no spaces, line breaks or control characters)';
const REFUSED = 'Google did not accept this access token (invalid or expired). Sign in again.';
const OTHER_APP = 'This Google token was issued to another application, not to the SavvySolve Meet extension.';
const UNAVAILABLE = 'Google could not check your sign-in right now; try again in a minute.';
const escape = (text: string) => new RegExp(`^${text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`);

const databases: DatabaseChoice[] = ['pglite', ...((await postgresAvailable()) ? (['postgres'] as const) : [])];

describe.each(databases)('sign-in abuse on %s', (database) => {
  let stack: Stack;
  /** Every Google token these tests sent: none may appear in a log line. */
  const sentTokens: string[] = [];

  const signIn = (googleAccessToken: string, headers?: Record<string, string>) => {
    sentTokens.push(googleAccessToken);
    return stack.api.call('POST', '/api/auth/session', { json: { googleAccessToken }, headers });
  };
  const googleToken = (email = 'ada@example.com', audience = OAUTH_CLIENT_ID) =>
    stack.emulators.google.issueAccessToken({ email, audience });
  const tokeninfoCalls = () => stack.emulators.google.requests('tokeninfo').length;

  const snapshot = () => snapshotSideEffects(stack);

  beforeAll(async () => {
    stack = await startStack(database);
    const adaId = await stack.api.createSolver({
      name: 'Ada',
      email: 'ada@example.com',
      employment: 'employed',
      googleEmail: 'ada@example.com',
    });
    await stack.api.createSession({ solverId: adaId, customerName: CUSTOMER.name, customerPhone: CUSTOMER.phone });
    // Let the set-up's own realtime message go out before the snapshots start.
    await eventually(() => stack.emulators.ably.requests('publish').length >= 1, 'the set-up message');
  });
  afterAll(async () => stack?.close());
  beforeEach(async () => {
    stack.emulators.google.reset();
    await stack.backend.database.db.delete(rateLimits);
  });

  type Case = [string, () => Promise<{ status: number; body: any }>, number, string | RegExp, number];
  const cases: Case[] = [
    ['token with CR LF (header injection)', () => signIn('ya29.abc\r\nX-Injected: 1'), 400, BAD_TOKEN_MESSAGE, 0],
    ['token with a non-ASCII character', () => signIn('ya29.abcé'), 400, BAD_TOKEN_MESSAGE, 0],
    ['token with a space', () => signIn('ya29.abc def'), 400, BAD_TOKEN_MESSAGE, 0],
    ['token with a NUL', () => signIn('ya29.abc\u0000'), 400, BAD_TOKEN_MESSAGE, 0],
    ['unknown token', () => signIn(`ya29.unknown-${randomUUID()}`), 401, REFUSED, 1],
    ['token of another app', () => signIn(googleToken('ada@example.com', 'other.apps.googleusercontent.com')), 401, OTHER_APP, 1],
    [
      'Twilio callback as multipart',
      () =>
        stack.api.call('POST', '/webhooks/twilio/status', {
          rawBody: '--b\r\nContent-Disposition: form-data; name="MessageSid"\r\n\r\nSM1\r\n--b--\r\n',
          headers: { 'content-type': 'multipart/form-data; boundary=b', 'x-twilio-signature': 'AAAA' },
        }),
      415,
      'Twilio status callbacks must be application/x-www-form-urlencoded.',
      0,
    ],
    [
      'Twilio callback as broken multipart (refused before parsing)',
      () =>
        stack.api.call('POST', '/webhooks/twilio/status', {
          rawBody: '--b\r\nnot a part',
          headers: { 'content-type': 'multipart/form-data; boundary=b' },
        }),
      415,
      'Twilio status callbacks must be application/x-www-form-urlencoded.',
      0,
    ],
    [
      'Twilio callback as JSON',
      () =>
        stack.api.call('POST', '/webhooks/twilio/status', {
          json: { MessageSid: 'SM1', MessageStatus: 'delivered' },
          headers: { 'x-twilio-signature': 'AAAA' },
        }),
      415,
      'Twilio status callbacks must be application/x-www-form-urlencoded.',
      0,
    ],
  ];

  it.each(cases)('%s', async (_name, request, status, message, googleCalls) => {
    const before = await snapshot();
    const result = await request();
    expect(result.status).toBe(status);
    expect(result.body.error.message).toMatch(typeof message === 'string' ? escape(message) : message);
    expect(tokeninfoCalls()).toBe(googleCalls);
    await settleAll(stack, LIVE_POLLS);
    expect(await snapshot()).toEqual(before);
  });

  it('remembers a refused token: the same 401 again, without asking Google', async () => {
    for (const token of [`ya29.refused-${randomUUID()}`, googleToken('ada@example.com', 'other.apps.googleusercontent.com')]) {
      stack.emulators.google.reset();
      const first = await signIn(token);
      const again = await signIn(token);
      expect(first.status).toBe(401);
      expect(again).toMatchObject({ status: 401, body: first.body });
      expect(tokeninfoCalls()).toBe(1);
    }
  });

  it('answers a Google outage with 503 upstream_unavailable and Retry-After, two tokeninfo calls per attempt, and does not remember it', async () => {
    const token = googleToken();
    stack.emulators.google.faults.set('tokeninfo', { status: 503 });
    const before = await snapshot();
    const result = await signIn(token);
    expect(result.status).toBe(503);
    expect(result.body).toEqual({ error: { code: 'upstream_unavailable', message: UNAVAILABLE } });
    expect(result.headers.get('retry-after')).toBe('60');
    // One attempt, one retry (gaxios' defaults made it 4).
    expect(tokeninfoCalls()).toBe(2);
    expect(await snapshot()).toEqual(before);

    stack.emulators.google.faults.clear();
    expect((await signIn(token)).status).toBe(200);
  });

  it("answers Google's own 429 with 503, asking once", async () => {
    stack.emulators.google.faults.set('tokeninfo', { status: 429 });
    const result = await signIn(googleToken());
    expect(result).toMatchObject({ status: 503, body: { error: { code: 'upstream_unavailable', message: UNAVAILABLE } } });
    expect(tokeninfoCalls()).toBe(1);
  });

  // Once is enough: it waits out the 5 s tokeninfo timeout.
  if (database === 'pglite')
    it('answers a tokeninfo timeout with 503 after one call of at most 5 s', async () => {
      stack.emulators.google.faults.set('tokeninfo', { latencyMs: 6_000 });
      const started = Date.now();
      const result = await signIn(googleToken());
      expect(result).toMatchObject({ status: 503, body: { error: { code: 'upstream_unavailable', message: UNAVAILABLE } } });
      expect(Date.now() - started).toBeLessThan(5_800);
      expect(tokeninfoCalls()).toBe(1);
    });

  it(`limits one address to ${SIGN_IN_PER_ADDRESS.limit} attempts a minute (429 with Retry-After), before asking Google`, async () => {
    const refused = `ya29.refused-${randomUUID()}`;
    const statuses: number[] = [];
    // TRUST_PROXY is off: a client naming itself in X-Forwarded-For gets no fresh budget.
    for (let attempt = 0; attempt < SIGN_IN_PER_ADDRESS.limit; attempt++)
      statuses.push((await signIn(refused, { 'x-forwarded-for': `203.0.113.${attempt}` })).status);
    expect(statuses).toEqual(Array(SIGN_IN_PER_ADDRESS.limit).fill(401));

    const before = await snapshot();
    const limited = await signIn(googleToken());
    expect(limited.status).toBe(429);
    expect(limited.body.error).toMatchObject({ code: 'rate_limited' });
    expect(limited.body.error.message).toMatch(
      /^Too many sign-in attempts from your network address; try again in (\d+ seconds?|1 minute)\.$/,
    );
    const retryAfter = Number(limited.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(SIGN_IN_PER_ADDRESS.windowSeconds);
    expect(tokeninfoCalls()).toBe(1);
    expect(await snapshot()).toEqual(before);
    const [row] = await stack.backend.database.db.select().from(rateLimits).where(eq(rateLimits.key, 'sign-in:ip:127.0.0.1'));
    expect(row?.count).toBe(SIGN_IN_PER_ADDRESS.limit + 1);
  });

  it(`limits attempts reaching Google to ${SIGN_IN_GLOBAL.limit} a minute on all instances together`, async () => {
    const refused = `ya29.refused-${randomUUID()}`;
    expect((await signIn(refused)).status).toBe(401);
    await stack.backend.database.db
      .update(rateLimits)
      .set({ count: SIGN_IN_GLOBAL.limit, windowStart: sql`now()` })
      .where(eq(rateLimits.key, 'sign-in:all'));

    const limited = await signIn(googleToken());
    expect(limited.status).toBe(429);
    expect(limited.body.error.message).toMatch(/^Too many sign-in attempts on this server; try again in (\d+ seconds?|1 minute)\.$/);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    // A remembered refusal does not need Google, so it is still answered.
    expect(await signIn(refused)).toMatchObject({ status: 401, body: { error: { message: REFUSED } } });
    expect(tokeninfoCalls()).toBe(1);
  });

  it("generates its own request id, and logs the client's (printable, at most 64 characters) beside it", async () => {
    const requestLine = (id: string) =>
      stack.logs.map((line) => JSON.parse(line)).find((line) => line.message === 'request' && line.requestId === id);
    const send = (clientId: string) => stack.api.call('GET', '/health', { headers: { 'x-request-id': clientId } });

    const plain = await send('client-chosen-id');
    const id = plain.headers.get('x-request-id')!;
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(requestLine(id)).toMatchObject({ clientRequestId: 'client-chosen-id', path: '/health' });

    const long = await send('L'.repeat(100));
    expect(requestLine(long.headers.get('x-request-id')!).clientRequestId).toBe('L'.repeat(64));

    const unprintable = await send('bad\u00e9id');
    expect(requestLine(unprintable.headers.get('x-request-id')!)).not.toHaveProperty('clientRequestId');
  });

  it('never writes a Google token, a phone number or a customer name into a log line', () => {
    expect(sentTokens.length).toBeGreaterThan(10);
    expect(stack.logs.length).toBeGreaterThan(20);
    expect(sentTokens.filter((token) => stack.logs.some((line) => line.includes(token)))).toEqual([]);
    expect(stack.logs.filter((line) => line.includes(CUSTOMER.phone) || line.includes(CUSTOMER.name))).toEqual([]);
  });
});
