import { describe, expect, it, vi } from 'vitest';
import { aSession } from '../test-fixtures.ts';
import { createBackendClient } from './backend-client.ts';
import { ExtensionError } from './errors.ts';

const SOLVER = {
  id: '6f1d2c3b-4a59-4e68-8f7a-9b0c1d2e3f40',
  name: 'Ada Lovelace',
  email: 'ada@example.com',
  employment: 'employed',
  googleEmail: 'ada@example.com',
};

function fakeFetch(answer: (url: string, init: RequestInit) => { status: number; body?: unknown } | Promise<never>) {
  return vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
    const result = await answer(String(input), init ?? {});
    return new Response(result.body === undefined ? null : JSON.stringify(result.body), {
      status: result.status,
      headers: { 'content-type': 'application/json' },
    });
  });
}

describe('backend client', () => {
  it('exchanges a Google token at POST /api/auth/session and validates the answer', async () => {
    const fetch = fakeFetch(() => ({ status: 200, body: { token: 'jwt', expiresAt: '2030-01-01T00:00:00.000Z', solver: SOLVER } }));
    const client = createBackendClient({ baseUrl: () => 'http://127.0.0.1:8787', fetch });
    expect((await client.signIn('ya29.token')).solver.name).toBe('Ada Lovelace');
    const [url, init] = fetch.mock.calls[0]!;
    expect(url).toBe('http://127.0.0.1:8787/api/auth/session');
    expect(init).toMatchObject({ method: 'POST', body: JSON.stringify({ googleAccessToken: 'ya29.token' }) });
    expect(new Headers(init!.headers).get('content-type')).toBe('application/json');
    expect(init!.signal).toBeInstanceOf(AbortSignal);
  });

  it('sends the session token as a bearer token', async () => {
    const fetch = fakeFetch(() => ({ status: 200, body: { canUse: true } }));
    const client = createBackendClient({ baseUrl: async () => 'https://api.example.com', fetch });
    await client.canUseMeet('session-jwt');
    expect(fetch.mock.calls[0]![0]).toBe('https://api.example.com/api/meet/can-use');
    expect(new Headers(fetch.mock.calls[0]![1]!.headers).get('authorization')).toBe('Bearer session-jwt');
  });

  it('posts capture and resend to the session link routes', async () => {
    const fetch = fakeFetch((url) =>
      url.endsWith('/capture')
        ? { status: 200, body: { success: true, meetLink: 'https://meet.google.com/abc-defg-hij', isExisting: false, usedFallback: false } }
        : {
            status: 200,
            body: { sms: { status: 'queued', error: null, errorCode: null, errorClass: null, updatedAt: '2030-01-01T00:00:00.000Z' } },
          },
    );
    const client = createBackendClient({ baseUrl: () => 'http://b', fetch });
    await client.captureMeetLink('t', 'sid', 'https://meet.google.com/abc-defg-hij');
    await client.resendSms('t', 'sid');
    expect(fetch.mock.calls.map(([url]) => url)).toEqual(['http://b/api/meet/links/sid/capture', 'http://b/api/meet/links/sid/resend']);
  });

  it("raises the backend's error code and message", async () => {
    const client = createBackendClient({
      baseUrl: () => 'http://b',
      fetch: fakeFetch(() => ({
        status: 403,
        body: { error: { code: 'forbidden', message: 'Google Meet is only available for employed solvers' } },
      })),
    });
    const error = await client.createMeetLink('t', 'sid').catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ExtensionError);
    expect(error).toMatchObject({ code: 'forbidden', message: 'Google Meet is only available for employed solvers', status: 403 });
  });

  it('says the backend cannot be reached, naming it', async () => {
    const client = createBackendClient({
      baseUrl: () => 'http://127.0.0.1:1',
      fetch: fakeFetch(() => Promise.reject(new TypeError('Failed to fetch'))),
    });
    await expect(client.listSessions('t')).rejects.toMatchObject({
      status: 0,
      code: 'network',
      message:
        'Can’t reach the SavvySolve Meet backend at http://127.0.0.1:1. Check the address in Settings, or ask your admin whether it is running.',
    });
  });

  it('says when the backend did not answer in time', async () => {
    const client = createBackendClient({
      baseUrl: () => 'http://127.0.0.1:1',
      fetch: fakeFetch(() => Promise.reject(new DOMException('The operation timed out.', 'TimeoutError'))),
    });
    await expect(client.listSessions('t')).rejects.toMatchObject({
      code: 'network',
      message:
        'The SavvySolve Meet backend at http://127.0.0.1:1 didn’t answer in time. Check the address in Settings, or ask your admin whether it is running.',
    });
  });

  it('reads one session at GET /api/sessions/:id, and a 404 (missing, or another solver’s) as null', async () => {
    const session = aSession();
    const fetch = fakeFetch((url) =>
      url.endsWith(session.id)
        ? { status: 200, body: session }
        : { status: 404, body: { error: { code: 'not_found', message: 'Session not found' } } },
    );
    const client = createBackendClient({ baseUrl: () => 'http://b', fetch });
    expect(await client.getSession('jwt', session.id)).toEqual(session);
    expect(fetch.mock.calls[0]![0]).toBe(`http://b/api/sessions/${session.id}`);
    expect(new Headers(fetch.mock.calls[0]![1]!.headers).get('authorization')).toBe('Bearer jwt');
    expect(await client.getSession('jwt', '0b9f6c52-1111-4abc-8def-0123456789ab')).toBeNull();

    const down = createBackendClient({ baseUrl: () => 'http://b', fetch: fakeFetch(() => ({ status: 500, body: {} })) });
    await expect(down.getSession('jwt', session.id)).rejects.toMatchObject({ status: 500 });
  });

  it('refuses an answer that does not fit the contract', async () => {
    const client = createBackendClient({
      baseUrl: () => 'http://b',
      fetch: fakeFetch(() => ({ status: 200, body: { sessions: 'nope' } })),
    });
    await expect(client.listSessions('t')).rejects.toMatchObject({
      code: 'bad_response',
      message: 'The backend answered /api/sessions in a shape this extension does not know.',
    });
  });

  it('returns null for the realtime token when Ably is not configured, the token request otherwise', async () => {
    const notConfigured = createBackendClient({
      baseUrl: () => 'http://b',
      fetch: fakeFetch(() => ({
        status: 404,
        body: { error: { code: 'not_configured', message: 'Realtime updates are not configured' } },
      })),
    });
    expect(await notConfigured.realtimeTokenRequest('t')).toBeNull();

    const tokenRequest = {
      keyName: 'app.key',
      timestamp: 1,
      nonce: 'n',
      mac: 'm',
      capability: '{"solver:x":["subscribe"]}',
      clientId: 'solver:x',
    };
    const configured = createBackendClient({ baseUrl: () => 'http://b', fetch: fakeFetch(() => ({ status: 200, body: tokenRequest })) });
    expect(await configured.realtimeTokenRequest('t')).toEqual(tokenRequest);

    const missingRoute = createBackendClient({
      baseUrl: () => 'http://b',
      fetch: fakeFetch(() => ({ status: 404, body: { error: { code: 'not_found', message: 'No route' } } })),
    });
    await expect(missingRoute.realtimeTokenRequest('t')).rejects.toMatchObject({ code: 'not_found' });
  });

  it('reads /health, also when it answers 503 with the database down', async () => {
    const degraded = {
      status: 'degraded',
      database: { kind: 'postgres', ok: false },
      integrations: {
        googleCalendar: 'configured',
        googleSignIn: 'configured',
        twilio: 'configured',
        ably: 'configured',
        adminApi: 'not_configured',
        savvysolveWebhooks: 'not_configured',
        savvysolveApi: 'not_configured',
        savvysolveEvents: 'not_configured',
      },
    };
    const fetch = fakeFetch(() => ({ status: 503, body: degraded }));
    const client = createBackendClient({ baseUrl: () => 'http://b', fetch });
    expect(await client.health()).toEqual(degraded);
    expect(fetch.mock.calls[0]![0]).toBe('http://b/health');
  });

  it('sends a session token only to the backend that issued it (401 backend_changed, nothing sent, otherwise)', async () => {
    const fetch = fakeFetch(() => ({ status: 200, body: { canUse: true } }));
    let baseUrl = 'https://api.example.com';
    const client = createBackendClient({
      baseUrl: () => baseUrl,
      issuerOf: async (token) => (token === 'session-jwt' ? 'https://api.example.com' : undefined),
      fetch,
    });
    expect(await client.canUseMeet('session-jwt')).toEqual({ canUse: true });
    baseUrl = 'https://elsewhere.example';
    await expect(client.canUseMeet('session-jwt')).rejects.toMatchObject({ code: 'backend_changed', status: 401 });
    await expect(client.listSessions('unknown-jwt')).rejects.toMatchObject({ code: 'backend_changed', status: 401 });
    expect(fetch).toHaveBeenCalledTimes(1);
  });
});
