import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ADMIN_TOKEN,
  OAUTH_CLIENT_ID,
  SESSION_SECRET,
  LIVE_POLLS,
  eventually,
  settleAll,
  startStack,
  type Stack,
  snapshotSideEffects,
} from './stack.ts';

// Abuse and bad input: each case asserts the status, the message, and that nothing was created or sent.
let stack: Stack;
let ada: { id: string; token: string };
let adaSession: string;
let foreignSession: string;

const sign = (claims: { sub: string; exp: number }, secret = SESSION_SECRET) =>
  new SignJWT({})
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(claims.sub)
    .setIssuer('savvysolve-meet')
    .setAudience('savvysolve-meet-extension')
    .setIssuedAt(claims.exp - 3600)
    .setExpirationTime(claims.exp)
    .sign(new TextEncoder().encode(secret));

beforeAll(async () => {
  stack = await startStack('pglite', { EXTENSION_ORIGINS: 'chrome-extension://abcdefghijklmnopabcdefghijklmnop' });
  const adaId = await stack.api.createSolver({
    name: 'Ada',
    email: 'ada@example.com',
    employment: 'employed',
    googleEmail: 'ada@example.com',
  });
  const bobId = await stack.api.createSolver({
    name: 'Bob',
    email: 'bob@example.com',
    employment: 'employed',
    googleEmail: 'bob@example.com',
  });
  ada = { id: adaId, token: await stack.signIn('ada@example.com') };
  adaSession = await stack.api.createSession({ solverId: adaId, customerName: 'Grace', customerPhone: '+14155550123' });
  foreignSession = await stack.api.createSession({ solverId: bobId, customerName: 'Linus', customerPhone: '+14155550124' });
  // Let the set-up's own realtime messages go out before the snapshots start.
  await eventually(() => stack.emulators.ably.requests('publish').length >= 2, 'the set-up messages');
});
afterAll(async () => stack?.close());

const snapshot = () => snapshotSideEffects(stack);

type Case = [string, () => Promise<{ status: number; body: any }>, number, string | RegExp];
const link = (options: { json?: unknown; token?: string; rawBody?: string; headers?: Record<string, string> }) =>
  stack.api.call('POST', '/api/meet/links', options);
const json = { 'content-type': 'application/json' };

const cases: Case[] = [
  ['malformed JSON', () => link({ rawBody: '{"sessionId":', headers: json, token: ada.token }), 400, /Malformed JSON/],
  [
    'wrong content type',
    () => link({ rawBody: `sessionId=${adaSession}`, headers: { 'content-type': 'text/plain' }, token: ada.token }),
    415,
    'Send the body as JSON (Content-Type: application/json).',
  ],
  [
    'body over 16 KiB',
    () => link({ rawBody: JSON.stringify({ sessionId: adaSession, pad: 'x'.repeat(20_000) }), headers: json, token: ada.token }),
    413,
    'Request body is larger than 16384 bytes.',
  ],
  ['unknown field', () => link({ json: { sessionId: adaSession, solverId: ada.id }, token: ada.token }), 400, 'unknown field(s): solverId'],
  [
    'non-UUID session id',
    () => link({ json: { sessionId: '../../etc/passwd' }, token: ada.token }),
    400,
    'sessionId: sessionId must be a UUID',
  ],
  ['missing session id', () => link({ json: {}, token: ada.token }), 400, /sessionId/],
  ['foreign session', () => link({ json: { sessionId: foreignSession }, token: ada.token }), 404, 'Session not found'],
  [
    'missing session',
    () => link({ json: { sessionId: '0b8f3a52-5a7c-4d7e-9a43-0d8b7d0f3e11' }, token: ada.token }),
    404,
    'Session not found',
  ],
  ['no session token', () => link({ json: { sessionId: adaSession } }), 401, /Sign in first/],
  [
    'expired session token',
    async () => link({ json: { sessionId: adaSession }, token: await sign({ sub: ada.id, exp: Math.floor(Date.now() / 1000) - 60 }) }),
    401,
    /invalid or expired/,
  ],
  [
    'tampered session token',
    async () => link({ json: { sessionId: adaSession }, token: `${ada.token.slice(0, -4)}AAAA` }),
    401,
    /invalid or expired/,
  ],
  [
    'session token of another secret',
    async () =>
      link({
        json: { sessionId: adaSession },
        token: await sign({ sub: ada.id, exp: Math.floor(Date.now() / 1000) + 600 }, 'x'.repeat(40)),
      }),
    401,
    /invalid or expired/,
  ],
  [
    'Google token of another app',
    () =>
      stack.api.call('POST', '/api/auth/session', {
        json: {
          googleAccessToken: stack.emulators.google.issueAccessToken({
            email: 'ada@example.com',
            audience: 'other.apps.googleusercontent.com',
          }),
        },
      }),
    401,
    /another application/,
  ],
  [
    'Google token of another domain',
    () =>
      stack.api.call('POST', '/api/auth/session', {
        json: { googleAccessToken: stack.emulators.google.issueAccessToken({ email: 'ada@evil.test', audience: OAUTH_CLIENT_ID }) },
      }),
    403,
    /evil\.test may not sign in/,
  ],
  [
    'bad admin token',
    () =>
      stack.api.call('POST', '/api/admin/solvers', {
        json: { name: 'M', email: 'm@example.com', employment: 'employed' },
        token: 'not-the-admin-token',
      }),
    401,
    'A valid admin token is required.',
  ],
  [
    'admin call with a solver token',
    () =>
      stack.api.call('POST', '/api/admin/solvers', {
        json: { name: 'M', email: 'm@example.com', employment: 'employed' },
        token: ada.token,
      }),
    401,
    'A valid admin token is required.',
  ],
  [
    'impossible phone number',
    () =>
      stack.api.call('POST', '/api/admin/sessions', {
        json: { solverId: ada.id, customerName: 'X', customerPhone: '0044 20 7946 0000' },
        token: ADMIN_TOKEN,
      }),
    400,
    /customerPhone: .*not a valid phone number/,
  ],
  [
    'unknown solver for a session',
    () =>
      stack.api.call('POST', '/api/admin/sessions', {
        json: { solverId: '0b8f3a52-5a7c-4d7e-9a43-0d8b7d0f3e11', customerName: 'X', customerPhone: '+14155550199' },
        token: ADMIN_TOKEN,
      }),
    400,
    'solverId: no solver has this id',
  ],
  [
    'bad Twilio signature',
    () =>
      stack.api.call('POST', '/webhooks/twilio/status', {
        rawBody: 'MessageSid=SM1&MessageStatus=delivered',
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': 'AAAA' },
      }),
    403,
    'Invalid Twilio signature.',
  ],
];

describe('abuse and bad input', () => {
  it.each(cases)('%s', async (_name, request, status, message) => {
    const before = await snapshot();
    const result = await request();
    expect(result.status).toBe(status);
    expect(result.body.error.message).toMatch(
      typeof message === 'string' ? new RegExp(`^${message.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`) : message,
    );
    await settleAll(stack, LIVE_POLLS);
    expect(await snapshot()).toEqual(before);
  });

  it('answers foreign and missing sessions with identical bodies', async () => {
    const foreign = await link({ json: { sessionId: foreignSession }, token: ada.token });
    const missing = await link({ json: { sessionId: '0b8f3a52-5a7c-4d7e-9a43-0d8b7d0f3e11' }, token: ada.token });
    expect(foreign.body).toEqual(missing.body);
  });

  it('sends security headers, and CORS only for the configured extension origin', async () => {
    const health = await stack.api.call('GET', '/health');
    expect(health.headers.get('x-content-type-options')).toBe('nosniff');
    expect(health.headers.get('x-frame-options')).toBe('SAMEORIGIN');
    const preflight = (origin: string) =>
      stack.api.call('OPTIONS', '/api/meet/can-use', {
        headers: { origin, 'access-control-request-method': 'GET', 'access-control-request-headers': 'authorization' },
      });
    expect((await preflight('chrome-extension://abcdefghijklmnopabcdefghijklmnop')).headers.get('access-control-allow-origin')).toBe(
      'chrome-extension://abcdefghijklmnopabcdefghijklmnop',
    );
    expect((await preflight('https://evil.example')).headers.get('access-control-allow-origin')).toBeNull();
  });
});
