import { describe, expect, it } from 'vitest';
import { HostApiError, createSavvySolveApi } from './savvysolve-api.ts';

const ID = '7a1c1f0e-3b2d-4c5e-8f9a-0b1c2d3e4f5a';
const session = {
  sessionId: ID,
  solverEmail: 'ada@example.com',
  customerName: 'Grace',
  customerPhone: '+14155550123',
  status: 'active',
  occurredAt: '2026-11-30T10:00:00Z',
};
const answering = (status: number, body?: unknown) => async () =>
  new Response(body === undefined ? null : JSON.stringify(body), { status });
const api = (fetch: typeof globalThis.fetch) => createSavvySolveApi({ url: 'https://app.test/api', token: 't', timeoutMs: 50, fetch });

describe('SavvySolve API (lazy pull)', () => {
  it('returns the session on 200 and undefined on 404', async () => {
    expect(await api(answering(200, session)).getSession(ID.toUpperCase())).toMatchObject({ sessionId: ID, status: 'active' });
    expect(await api(answering(404, { error: 'not found' })).getSession(ID)).toBeUndefined();
  });

  it.each([
    ['another status', answering(500), /answered HTTP 500/],
    ['an answer that is not a session', answering(200, { sessionId: ID }), /not a session \(solverEmail\)/],
    ['another session', answering(200, { ...session, sessionId: '00000000-0000-4000-8000-000000000000' }), /another session/],
    ['a network error', async () => Promise.reject(new TypeError('fetch failed')), /could not be reached/],
    [
      'no answer in time',
      (_url: unknown, init?: RequestInit) =>
        new Promise<Response>((_resolve, reject) => init?.signal?.addEventListener('abort', () => reject(init.signal!.reason))),
      /did not answer within 0.05 s/,
    ],
  ])('throws HostApiError for %s', async (_case, fetch, message) => {
    const failing = api(fetch as typeof globalThis.fetch).getSession(ID);
    await expect(failing).rejects.toThrow(HostApiError);
    await expect(api(fetch as typeof globalThis.fetch).getSession(ID)).rejects.toThrow(message);
  });
});
