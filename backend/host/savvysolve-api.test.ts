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

describe('SavvySolve API bounds', () => {
  it('refuses to follow a redirect (fetch with redirect: error)', async () => {
    let redirect: RequestRedirect | undefined;
    const refusing = (async (_url: unknown, init?: RequestInit) => {
      redirect = init?.redirect;
      throw new TypeError('fetch failed', { cause: new Error('unexpected redirect') });
    }) as typeof fetch;
    await expect(api(refusing).getSession(ID)).rejects.toThrow(/answered with a redirect, which is not followed/);
    expect(redirect).toBe('error');
  });

  it.each([
    ['a declared length over 64 KiB', { 'content-length': String(64 * 1024 + 1) }],
    ['an undeclared body over 64 KiB', {}],
  ])('refuses %s without reading it all', async (_case, headers) => {
    let pulled = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulled += 16 * 1024;
        controller.enqueue(new Uint8Array(16 * 1024).fill(32));
      },
    });
    const huge = (async () => new Response(body, { status: 200, headers })) as typeof fetch;
    await expect(api(huge).getSession(ID)).rejects.toThrow(/its answer is larger than 64 KiB/);
    expect(pulled).toBeLessThanOrEqual(128 * 1024);
  });

  it('reads an answer of exactly 64 KiB', async () => {
    const text = JSON.stringify(session);
    const padded = text + ' '.repeat(64 * 1024 - Buffer.byteLength(text));
    expect(await api(async () => new Response(padded, { status: 200 })).getSession(ID)).toMatchObject({ sessionId: ID });
  });
});
