import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FALLBACK_MEET_LINK, MEET_REASONS } from '../../shared/index.ts';
import { inProcessClient, type BackendClient } from '../../test/support/backend-client.ts';
import { eventually } from '../../test/support/eventually.ts';
import { memoryPglite } from '../../test/support/pglite-template.ts';
import { waitForQuiescence } from '../../test/support/quiescence.ts';
import { stubCalendar, stubTokenVerifier } from '../../test/support/stubs.ts';
import { loadConfig } from '../env.ts';
import { createMemoryLogger } from '../logger.ts';
import { startBackend, type RunningBackend } from '../start.ts';

// The spec's router tests, in-process (no request crosses a socket): the HTTP API with Calendar and tokeninfo stubbed
// (integration tests use the real SDKs over real HTTP).
const ADMIN = 'admin-token-0123456789';
const calendar = stubCalendar();
let backend: RunningBackend;
let api: BackendClient;
let employed: { id: string; token: string };
let contractToken: string;
let noEmailToken: string;
let otherSessionId: string;

const newSession = (solverId: string) => api.createSession({ solverId, customerName: 'Grace Hopper', customerPhone: '+14155550123' });
const createLink = (token: string, sessionId: unknown) => api.call('POST', '/api/meet/links', { json: { sessionId }, token });

beforeAll(async () => {
  const config = {
    ...loadConfig({ PORT: '0', PGLITE_DATA_DIR: 'memory://', ADMIN_API_TOKEN: ADMIN, GOOGLE_OAUTH_CLIENT_IDS: 'ext-client' }),
    database: await memoryPglite(),
  };
  const identity = (email: string) => ({ email, emailVerified: true, audience: 'ext-client' });
  backend = await startBackend(config, {
    log: createMemoryLogger().logger,
    overrides: {
      calendar,
      googleTokenVerifier: stubTokenVerifier({
        ada: identity('ada@example.com'),
        carl: identity('carl@example.com'),
        nina: identity('nina@example.com'),
        olga: identity('olga@example.com'),
      }),
    },
  });
  api = inProcessClient(backend.app, ADMIN);
  const adaId = await api.createSolver({ name: 'Ada', email: 'ada@example.com', employment: 'employed', googleEmail: 'ada@example.com' });
  await api.createSolver({ name: 'Carl', email: 'carl@example.com', employment: 'contract', googleEmail: 'carl@example.com' });
  await api.createSolver({ name: 'Nina', email: 'nina@example.com', employment: 'employed' });
  const olgaId = await api.createSolver({
    name: 'Olga',
    email: 'olga@example.com',
    employment: 'employed',
    googleEmail: 'olga@example.com',
  });
  employed = { id: adaId, token: await api.signIn('ada') };
  contractToken = await api.signIn('carl');
  noEmailToken = await api.signIn('nina');
  otherSessionId = await newSession(olgaId);
});

afterAll(async () => backend?.close());

describe('meet.canUseMeet', () => {
  it('allows an employed solver with a Google email when Meet is configured', async () => {
    expect((await api.call('GET', '/api/meet/can-use', { token: employed.token })).body).toEqual({ canUse: true });
  });

  it('refuses a contract solver, then a solver without Google email, with the spec reasons', async () => {
    expect((await api.call('GET', '/api/meet/can-use', { token: contractToken })).body).toEqual({
      canUse: false,
      reason: MEET_REASONS.notEmployed,
    });
    expect((await api.call('GET', '/api/meet/can-use', { token: noEmailToken })).body).toEqual({
      canUse: false,
      reason: MEET_REASONS.noGoogleEmail,
    });
  });

  it('needs a session token', async () => {
    const result = await api.call('GET', '/api/meet/can-use');
    expect(result.status).toBe(401);
    expect(result.body.error.code).toBe('unauthorized');
  });
});

describe('meet.createMeetLink', () => {
  it('checks employment type before anything else', async () => {
    const sessionId = await newSession(employed.id);
    const contract = await createLink(contractToken, sessionId);
    expect(contract.status).toBe(403);
    expect(contract.body.error.message).toBe(MEET_REASONS.notEmployed);
    const noEmail = await createLink(noEmailToken, sessionId);
    expect(noEmail.status).toBe(403);
    expect(noEmail.body.error.message).toBe(MEET_REASONS.noGoogleEmail);
  });

  it('validates session ownership: a foreign session answers exactly like a missing one', async () => {
    const before = calendar.calls.length;
    const foreign = await createLink(employed.token, otherSessionId);
    const missing = await createLink(employed.token, '8a1b2c3d-0000-4000-8000-000000000000');
    expect(foreign.status).toBe(404);
    expect(foreign.body).toEqual(missing.body);
    expect(missing.status).toBe(404);
    expect(calendar.calls.length).toBe(before);
  });

  it('rejects a non-UUID session id with a clear 400 and no side effect', async () => {
    const before = calendar.calls.length;
    const result = await createLink(employed.token, 'not-a-uuid');
    expect(result.status).toBe(400);
    expect(result.body.error.message).toContain('sessionId must be a UUID');
    expect(calendar.calls.length).toBe(before);
  });

  it('creates the link on the solver calendar, then returns the existing link without regenerating it', async () => {
    const sessionId = await newSession(employed.id);
    const first = await createLink(employed.token, sessionId);
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ success: true, isExisting: false, usedFallback: false });
    expect(first.body.meetLink).toMatch(/^https:\/\/meet\.google\.com\/[a-z0-9]{3}-[a-z0-9]{4}-[a-z0-9]{3}$/);
    const call = calendar.calls.at(-1)!;
    expect(call).toMatchObject({ subject: 'ada@example.com', sessionId, customerName: 'Grace Hopper' });

    const callsAfterFirst = calendar.calls.length;
    const second = await createLink(employed.token, sessionId);
    expect(second.body).toEqual({ success: true, meetLink: first.body.meetLink, isExisting: true, usedFallback: false });
    expect(calendar.calls.length).toBe(callsAfterFirst);

    const detail = await api.adminSession(sessionId);
    expect(detail.body).toMatchObject({ meetLink: first.body.meetLink, meetLinkSource: 'calendar', calendarId: 'ada@example.com' });
  });

  it('falls back to meet.google.com/new when Calendar fails, texts nothing, and retries Calendar next time', async () => {
    const sessionId = await newSession(employed.id);
    calendar.failWith();
    try {
      const result = await createLink(employed.token, sessionId);
      expect(result.body).toEqual({ success: true, meetLink: FALLBACK_MEET_LINK, isExisting: false, usedFallback: true });
      await waitForQuiescence(backend.database.db, { sessionId }); // "texts nothing": once nothing is left to happen
      const detail = await api.adminSession(sessionId);
      expect(detail.body).toMatchObject({ meetLink: null, meetLinkSource: 'fallback', sms: null });
      expect(detail.body.audit.map((entry: { action: string }) => entry.action)).toContain('meet_link.fallback');
    } finally {
      calendar.succeed();
    }
    const retry = await createLink(employed.token, sessionId);
    expect(retry.body).toMatchObject({ isExisting: false, usedFallback: false });
    expect((await api.adminSession(sessionId)).body.meetLinkSource).toBe('calendar');
  });

  it('captures the real room opened after a fallback, and only a real room', async () => {
    const sessionId = await newSession(employed.id);
    const capture = (meetLink: string) =>
      api.call('POST', `/api/meet/links/${sessionId}/capture`, { json: { meetLink }, token: employed.token });
    const beforeFallback = await capture('https://meet.google.com/abc-defg-hij');
    expect(beforeFallback.status).toBe(409);
    expect(beforeFallback.body.error.message).toMatch(/only be attached after Calendar could not create one/);
    calendar.failWith();
    try {
      expect((await createLink(employed.token, sessionId)).body.usedFallback).toBe(true);
    } finally {
      calendar.succeed();
    }
    const refused = await capture(FALLBACK_MEET_LINK);
    expect(refused.status).toBe(400);
    expect(refused.body.error.message).toMatch(/Meet room URL/);

    const captured = await capture('https://meet.google.com/abc-defg-hij');
    expect(captured.body).toEqual({
      success: true,
      meetLink: 'https://meet.google.com/abc-defg-hij',
      isExisting: false,
      usedFallback: false,
    });
    // The fan-out runs after the answer: wait for its SMS row.
    const detail = await eventually(async () => {
      const body = (await api.adminSession(sessionId)).body;
      return body.sms ? body : undefined;
    }, 'the fan-out of the captured link');
    expect(detail).toMatchObject({
      meetLink: 'https://meet.google.com/abc-defg-hij',
      meetLinkSource: 'captured',
      sms: { status: 'skipped' },
    });
    expect((await capture('https://meet.google.com/xyz-wxyz-xyz')).body).toMatchObject({
      meetLink: 'https://meet.google.com/abc-defg-hij',
      isExisting: true,
    });
  });

  it('resends the SMS of a stored link, then rate-limits resends with Retry-After', async () => {
    const sessionId = await newSession(employed.id);
    const resend = () => api.call('POST', `/api/meet/links/${sessionId}/resend`, { token: employed.token });
    const early = await resend();
    expect(early.status).toBe(409);
    expect(early.body.error.message).toMatch(/no Meet link/);
    await createLink(employed.token, sessionId);
    const results = [];
    for (let i = 0; i < 6; i++) results.push(await resend());
    expect(results.slice(0, 5).map((result) => result.status)).toEqual([200, 200, 200, 200, 200]);
    expect(results[0]!.body.sms).toMatchObject({ status: 'skipped' });
    expect(results[5]!.status).toBe(429);
    expect(results[5]!.body.error.code).toBe('rate_limited');
    // Seconds for programs, human time for the solver who reads it.
    const retryAfter = Number(results[5]!.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(540);
    expect(results[5]!.body.error.message).toBe('Too many SMS resends; try again in 10 minutes.');
  });
});

describe('CORS', () => {
  it('allows no browser origin by default', async () => {
    const result = await api.call('OPTIONS', '/api/meet/can-use', {
      headers: { origin: 'https://evil.example', 'access-control-request-method': 'GET' },
    });
    expect(result.headers.get('access-control-allow-origin')).toBeNull();
  });
});
