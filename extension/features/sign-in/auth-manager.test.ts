import { describe, expect, it, vi } from 'vitest';
import type { AuthSession } from '../../../shared/index.ts';
import { ExtensionError } from '../../lib/errors.ts';
import type { GoogleAccessToken } from '../../lib/identity.ts';
import { SOLVER } from '../../test-fixtures.ts';
import { BACKEND_CHANGED, createAuthManager, type StoredAuth } from './auth-manager.ts';

const NOW = Date.parse('2030-01-01T12:00:00.000Z');

const session = (token: string, minutesLeft = 60): AuthSession => ({
  token,
  expiresAt: new Date(NOW + minutesLeft * 60_000).toISOString(),
  solver: SOLVER,
});

function setup(
  options: {
    signIn?: (googleToken: string, backendUrl: string) => Promise<AuthSession>;
    method?: GoogleAccessToken['method'];
    stored?: StoredAuth;
  } = {},
) {
  let stored: StoredAuth | null = options.stored ?? null;
  let googleTokens = 0;
  const forget = vi.fn(async () => {});
  const identity = {
    getAccessToken: vi.fn(
      async () => ({ token: `google-${++googleTokens}`, method: options.method ?? 'launchWebAuthFlow', forget }) as GoogleAccessToken,
    ),
  };
  let issued = 0;
  const signIn = vi.fn(options.signIn ?? (async () => session(`backend-${++issued}`)));
  const onChange = vi.fn();
  const rememberEmail = vi.fn(async (_email: string | undefined) => {});
  const now = vi.fn(() => NOW);
  let backendUrl = 'https://meet-api.example.com';
  const auth = createAuthManager({
    backendUrl: async () => backendUrl,
    identity,
    signIn,
    store: { get: async () => stored, set: async (value) => void (stored = value) },
    rememberEmail,
    onChange,
    now,
  });
  const setBackendUrl = (url: string) => void (backendUrl = url);
  return { auth, identity, signIn, onChange, rememberEmail, forget, now, stored: () => stored, setBackendUrl };
}

describe('auth manager', () => {
  it('exchanges a Google token for a backend session, keeps it and announces the change', async () => {
    const { auth, signIn, onChange, rememberEmail, stored } = setup();
    const state = await auth.signIn({ interactive: true });
    expect(state).toEqual({ status: 'signed_in', solver: SOLVER, expiresAt: session('x').expiresAt });
    expect(signIn).toHaveBeenCalledWith('google-1', 'https://meet-api.example.com');
    expect(stored()?.session?.token).toBe('backend-1');
    expect(onChange).toHaveBeenCalledWith(state);
    expect(rememberEmail).toHaveBeenCalledWith('ada@example.com');
  });

  it('keeps the reason when the backend refuses the account', async () => {
    const { auth } = setup({
      signIn: async () => {
        throw new ExtensionError('forbidden', 'No SavvySolve solver is registered for eve@example.com. Ask your admin to add you.', 403);
      },
    });
    expect(await auth.signIn({ interactive: true })).toEqual({
      status: 'signed_out',
      problem: { code: 'forbidden', message: 'No SavvySolve solver is registered for eve@example.com. Ask your admin to add you.' },
    });
    expect(await auth.state()).toMatchObject({ status: 'signed_out', problem: { code: 'forbidden' } });
  });

  it('signs in silently the first time a backend call needs a token', async () => {
    const { auth, identity } = setup();
    expect(await auth.withToken(async (token) => `called with ${token}`)).toBe('called with backend-1');
    expect(identity.getAccessToken).toHaveBeenCalledWith({ interactive: false });
  });

  it('shares one sign-in between concurrent calls', async () => {
    const { auth, signIn } = setup();
    const tokens = await Promise.all([1, 2, 3].map(() => auth.withToken(async (token) => token)));
    expect(tokens).toEqual(['backend-1', 'backend-1', 'backend-1']);
    expect(signIn).toHaveBeenCalledTimes(1);
  });

  it('renews the session before it expires', async () => {
    const { auth, now, signIn } = setup();
    await auth.signIn({ interactive: true });
    expect(await auth.renewAt()).toBe(NOW + 55 * 60_000);
    now.mockReturnValue(NOW + 56 * 60_000);
    expect(await auth.withToken(async (token) => token)).toBe('backend-2');
    expect(signIn).toHaveBeenCalledTimes(2);
  });

  it('keeps a still-valid session when a silent renewal fails', async () => {
    const { auth, now, signIn } = setup();
    await auth.signIn({ interactive: true });
    signIn.mockRejectedValueOnce(new ExtensionError('network', 'Can’t reach the SavvySolve Meet backend.', 0));
    now.mockReturnValue(NOW + 56 * 60_000);
    expect(await auth.withToken(async (token) => token)).toBe('backend-1');
  });

  it('signs in again and retries once when the backend answers 401', async () => {
    const { auth, signIn } = setup();
    await auth.signIn({ interactive: true });
    const call = vi.fn(async (token: string) => {
      if (token === 'backend-1') throw new ExtensionError('unauthorized', 'Your session token is invalid or expired. Sign in again.', 401);
      return 'ok';
    });
    expect(await auth.withToken(call)).toBe('ok');
    expect(call.mock.calls.map(([token]) => token)).toEqual(['backend-1', 'backend-2']);
    expect(signIn).toHaveBeenCalledTimes(2);
  });

  it('does not loop when the fresh token is refused too', async () => {
    const { auth } = setup();
    const call = vi.fn(async () => {
      throw new ExtensionError('unauthorized', 'Your session token is invalid or expired.', 401);
    });
    await expect(auth.withToken(call)).rejects.toMatchObject({ status: 401 });
    expect(call).toHaveBeenCalledTimes(2);
  });

  it('drops a stale cached Chrome token and tries a fresh one', async () => {
    let attempts = 0;
    const { auth, forget, signIn } = setup({
      method: 'getAuthToken',
      signIn: async (googleToken) => {
        if (++attempts === 1) throw new ExtensionError('unauthorized', 'Google did not accept this access token.', 401);
        return session(`for-${googleToken}`);
      },
    });
    expect(await auth.signIn({ interactive: false })).toMatchObject({ status: 'signed_in' });
    expect(forget).toHaveBeenCalledTimes(1);
    expect(signIn.mock.calls.map(([token]) => token)).toEqual(['google-1', 'google-2']);
  });

  it('stays signed out after the solver signs out, until they sign in again', async () => {
    const { auth, identity, rememberEmail } = setup();
    await auth.signIn({ interactive: true });
    expect(await auth.signOut()).toEqual({ status: 'signed_out' });
    expect(rememberEmail).toHaveBeenLastCalledWith(undefined);
    identity.getAccessToken.mockClear();
    await expect(auth.withToken(async () => 'never')).rejects.toMatchObject({
      code: 'signed_out',
      message: expect.stringMatching(/Sign in/),
    });
    expect(identity.getAccessToken).not.toHaveBeenCalled();
    expect(await auth.signIn({ interactive: true })).toMatchObject({ status: 'signed_in' });
  });

  it('explains why a call cannot be made when silent sign-in fails', async () => {
    const { auth } = setup({
      signIn: async () => {
        throw new ExtensionError('network', 'Can’t reach the SavvySolve Meet backend at http://localhost:8787.', 0);
      },
    });
    await expect(auth.withToken(async () => 'never')).rejects.toMatchObject({
      code: 'signed_out',
      message: expect.stringMatching(/Can’t reach the SavvySolve Meet backend/),
    });
  });

  describe('the session is bound to the backend that issued it', () => {
    it('remembers which backend issued the session', async () => {
      const { auth, stored } = setup();
      await auth.signIn({ interactive: true });
      expect(stored()).toMatchObject({ session: { token: 'backend-1' }, backendUrl: 'https://meet-api.example.com' });
    });

    it('drops the session when the backend URL changes, says why, and never hands its token out for the new backend', async () => {
      const { auth, onChange, setBackendUrl, stored, signIn } = setup();
      await auth.signIn({ interactive: true });
      setBackendUrl('https://elsewhere.example');
      expect(await auth.state()).toEqual({ status: 'signed_out', problem: BACKEND_CHANGED });
      expect(onChange).toHaveBeenLastCalledWith({ status: 'signed_out', problem: BACKEND_CHANGED });
      expect(stored()?.session).toBeNull();
      // It signs in to the new backend by itself (silently); a call gets that backend's own token, not the old one.
      const seen: string[] = [];
      await auth.withToken(async (token) => void seen.push(token));
      expect(seen).toEqual(['backend-2']);
      expect(signIn).toHaveBeenCalledTimes(2);
      expect(signIn).toHaveBeenLastCalledWith('google-2', 'https://elsewhere.example');
      expect(await auth.state()).toMatchObject({ status: 'signed_in' });
      expect(stored()).toMatchObject({ session: { token: 'backend-2' }, backendUrl: 'https://elsewhere.example' });
    });

    it('binds a session to the URL its Google token went to, even when the setting changed meanwhile', async () => {
      const during: { change?: (url: string) => void } = {};
      const { auth, signIn, setBackendUrl, stored } = setup({
        signIn: async () => {
          during.change?.('https://elsewhere.example');
          return session('issued-by-the-first');
        },
      });
      during.change = setBackendUrl;
      await auth.signIn({ interactive: true });
      expect(signIn).toHaveBeenCalledWith('google-1', 'https://meet-api.example.com');
      expect(stored()).toMatchObject({ session: { token: 'issued-by-the-first' }, backendUrl: 'https://meet-api.example.com' });
      during.change = undefined;
      expect(await auth.state()).toEqual({ status: 'signed_out', problem: BACKEND_CHANGED });
    });

    it('signs in to a newly configured backend by itself when signed out, but not after the solver signed out', async () => {
      const { auth, signIn, setBackendUrl } = setup({
        signIn: async (_googleToken, backendUrl) => {
          if (backendUrl === 'https://meet-api.example.com') throw new ExtensionError('network', 'Can’t reach it.', 0);
          return session('backend-new');
        },
      });
      expect((await auth.signIn({ interactive: false })).status).toBe('signed_out');
      setBackendUrl('https://elsewhere.example');
      await auth.followBackend();
      expect(await auth.state()).toMatchObject({ status: 'signed_in' });
      expect(signIn).toHaveBeenLastCalledWith('google-2', 'https://elsewhere.example');

      await auth.signOut();
      setBackendUrl('https://third.example');
      await auth.followBackend();
      expect(signIn).toHaveBeenCalledTimes(2);
      expect((await auth.state()).status).toBe('signed_out');
    });

    it('does not take a silent sign-in still going to the previous backend for one to the new', async () => {
      const calls: { backendUrl: string; answer: (session: AuthSession | Error) => void }[] = [];
      const { auth, setBackendUrl, stored } = setup({
        signIn: (_googleToken, backendUrl) =>
          new Promise((resolve, reject) =>
            calls.push({ backendUrl, answer: (result) => (result instanceof Error ? reject(result) : resolve(result)) }),
          ),
      });
      const atStartUp = auth.signIn({ interactive: false });
      await vi.waitFor(() => expect(calls).toHaveLength(1));
      setBackendUrl('https://elsewhere.example');
      const following = auth.followBackend();
      calls[0]!.answer(new ExtensionError('network', 'Can’t reach it.', 0));
      await atStartUp;
      await vi.waitFor(() => expect(calls).toHaveLength(2));
      expect(calls[1]!.backendUrl).toBe('https://elsewhere.example');
      calls[1]!.answer(session('backend-new'));
      await following;
      expect(stored()).toMatchObject({ session: { token: 'backend-new' }, backendUrl: 'https://elsewhere.example' });
    });

    it('names the backend that issued the stored token, and no other', async () => {
      const { auth } = setup();
      await auth.signIn({ interactive: true });
      expect(await auth.issuerOf('backend-1')).toBe('https://meet-api.example.com');
      expect(await auth.issuerOf('backend-0')).toBeUndefined();
    });

    it('drops a stored session that names no backend (kept by an older version)', async () => {
      const { auth } = setup({ stored: { session: session('old'), problem: null, signedOutByUser: false } });
      expect(await auth.state()).toEqual({ status: 'signed_out', problem: BACKEND_CHANGED });
      expect(await auth.renewAt()).toBeUndefined();
    });

    it('keeps a still-valid session, still bound to its backend, through a failed silent renewal', async () => {
      const { auth, signIn, stored } = setup();
      await auth.signIn({ interactive: true });
      signIn.mockRejectedValueOnce(new ExtensionError('network', 'Can’t reach the SavvySolve Meet backend.', 0));
      expect((await auth.signIn({ interactive: false })).status).toBe('signed_in');
      expect(stored()).toMatchObject({ session: { token: 'backend-1' }, backendUrl: 'https://meet-api.example.com' });
      expect((await auth.state()).status).toBe('signed_in');
    });
  });
});
