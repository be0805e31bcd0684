import { messageOf } from '../../../shared/errors.ts';
import type { AuthSession } from '../../../shared/index.ts';
import { ExtensionError } from '../../lib/errors.ts';
import type { GoogleIdentity } from '../../lib/identity.ts';
import type { AuthProblem, AuthState } from '../../lib/messages.ts';

/** Where the backend session lives: `storage.session` in the extension (memory only, background-only access). */
export type SessionStore = {
  get(): Promise<StoredAuth | null>;
  set(value: StoredAuth | null): Promise<void>;
};

/**
 * `backendUrl`: the backend that issued `session`. The token goes to that backend only; once the configured backend
 * URL differs, the session is dropped (`backend_changed`) and the solver signs in to the new one.
 */
export type StoredAuth = { session: AuthSession | null; backendUrl?: string; problem: AuthProblem | null; signedOutByUser: boolean };

export type AuthManagerDeps = {
  identity: Pick<GoogleIdentity, 'getAccessToken'>;
  /** Exchanges the Google token at `backendUrl` (the session is then bound to that URL). */
  signIn: (googleAccessToken: string, backendUrl: string) => Promise<AuthSession>;
  store: SessionStore;
  /** The backend URL in force now (the one `signIn` and every call with the token go to). */
  backendUrl: () => Promise<string>;
  /** Remembers the account for `login_hint` next time; `undefined` forgets it (after signing out, to switch accounts). */
  rememberEmail?: (email: string | undefined) => Promise<void>;
  onChange?: (state: AuthState) => void;
  now?: () => number;
  /** Renew this long before the backend session expires. */
  renewMarginMs?: number;
};

export const RENEW_MARGIN_MS = 5 * 60_000;

const toState = (stored: StoredAuth | null): AuthState =>
  stored?.session
    ? { status: 'signed_in', solver: stored.session.solver, expiresAt: stored.session.expiresAt }
    : { status: 'signed_out', ...(stored?.problem ? { problem: stored.problem } : {}) };

function toProblem(error: unknown): AuthProblem {
  if (error instanceof ExtensionError) return { code: error.code, message: error.message };
  if (error && typeof error === 'object' && 'code' in error && 'message' in error) {
    return { code: String((error as { code: unknown }).code), message: String((error as { message: unknown }).message) };
  }
  return { code: 'identity', message: messageOf(error) };
}

export const SIGNED_OUT_MESSAGE = 'Sign in to SavvySolve Meet from its side panel (the toolbar button).';
export const BACKEND_CHANGED: AuthProblem = {
  code: 'backend_changed',
  message: 'The SavvySolve Meet backend address changed: sign in again from the side panel.',
};

/**
 * Signs the solver in (Google token → backend session), keeps the backend session, renews it before it expires
 * and signs in again when the backend answers 401. Concurrent callers share one sign-in.
 */
export function createAuthManager(deps: AuthManagerDeps) {
  const now = deps.now ?? Date.now;
  const renewMarginMs = deps.renewMarginMs ?? RENEW_MARGIN_MS;
  let running: Promise<AuthState> | undefined;

  async function save(stored: StoredAuth): Promise<AuthState> {
    const before = toState(await deps.store.get());
    await deps.store.set(stored);
    const after = toState(stored);
    if (JSON.stringify(before) !== JSON.stringify(after)) deps.onChange?.(after);
    return after;
  }

  /** What is stored, with a session issued by another backend than the configured one dropped first. */
  async function stored(): Promise<StoredAuth | null> {
    const current = await deps.store.get();
    if (!current?.session || current.backendUrl === (await deps.backendUrl())) return current;
    const dropped: StoredAuth = { session: null, problem: BACKEND_CHANGED, signedOutByUser: false };
    await save(dropped);
    // On to the new backend, silently, as at start-up (the Google token goes where the admin pointed the extension).
    void signIn({ interactive: false });
    return dropped;
  }

  async function exchange(interactive: boolean, backendUrl: string): Promise<AuthSession> {
    const google = await deps.identity.getAccessToken({ interactive });
    try {
      return await deps.signIn(google.token, backendUrl);
    } catch (error) {
      // A cached Google token can be stale: drop it and try once more with a fresh one.
      if (error instanceof ExtensionError && error.status === 401 && google.method === 'getAuthToken') {
        await google.forget();
        return deps.signIn((await deps.identity.getAccessToken({ interactive })).token, backendUrl);
      }
      throw error;
    }
  }

  async function runSignIn(interactive: boolean): Promise<AuthState> {
    const previous = await stored();
    // The URL the Google token is sent to, and the session it buys is bound to.
    const backendUrl = await deps.backendUrl();
    try {
      const session = await exchange(interactive, backendUrl);
      await deps.rememberEmail?.(session.solver.email);
      return await save({ session, backendUrl, problem: null, signedOutByUser: false });
    } catch (error) {
      // A silent renewal that fails keeps a session that is still valid.
      const stillValid = previous?.session && Date.parse(previous.session.expiresAt) > now() ? previous.session : null;
      return save({
        session: interactive ? null : stillValid,
        ...(!interactive && stillValid ? { backendUrl: previous?.backendUrl } : {}),
        problem: toProblem(error),
        signedOutByUser: previous?.signedOutByUser ?? false,
      });
    }
  }

  function signIn({ interactive }: { interactive: boolean }): Promise<AuthState> {
    // An interactive sign-in does not wait behind a silent one: it is what the user just asked for.
    if (running && !interactive) return running;
    const attempt = runSignIn(interactive).finally(() => {
      if (running === attempt) running = undefined;
    });
    running = attempt;
    return attempt;
  }

  /** The backend token, renewed silently when it is about to expire; throws when signed out. */
  async function currentToken(): Promise<string> {
    let current = await stored();
    const expiresAt = current?.session ? Date.parse(current.session.expiresAt) : 0;
    if (!current?.session || expiresAt - now() < renewMarginMs) {
      if (current?.signedOutByUser) throw new ExtensionError('signed_out', SIGNED_OUT_MESSAGE);
      await signIn({ interactive: false });
      current = await stored();
    }
    if (!current?.session || Date.parse(current.session.expiresAt) <= now()) {
      throw new ExtensionError('signed_out', current?.problem?.message ?? SIGNED_OUT_MESSAGE);
    }
    return current.session.token;
  }

  return {
    /** The sign-in state; a session bound to another backend than the configured one is dropped first. */
    async state(): Promise<AuthState> {
      return toState(await stored());
    },
    signIn,
    async signOut(): Promise<AuthState> {
      await deps.rememberEmail?.(undefined);
      return save({ session: null, problem: null, signedOutByUser: true });
    },
    /** When the session should be renewed (epoch ms), for the renewal alarm; `undefined` when signed out. */
    async renewAt(): Promise<number | undefined> {
      const current = await stored();
      return current?.session ? Date.parse(current.session.expiresAt) - renewMarginMs : undefined;
    },
    /**
     * For a change of the backend URL: a session issued by the previous backend is dropped (and the change announced),
     * and — unless the solver signed out — the extension signs in to the new backend silently, as at start-up.
     */
    async followBackend(): Promise<void> {
      // A sign-in under way may be going to the previous backend: let it end first, then judge what it left.
      await running;
      const before = await deps.store.get();
      const current = await stored();
      const dropped = Boolean(before?.session) && !current?.session;
      if (!dropped && !current?.session && !current?.signedOutByUser) await signIn({ interactive: false });
    },
    /** The backend URL that issued `token`, while it is the stored session's (for the backend client's check). */
    async issuerOf(token: string): Promise<string | undefined> {
      const current = await deps.store.get();
      return current?.session?.token === token ? current.backendUrl : undefined;
    },
    /** Runs a backend call with the session token; on 401 signs in again (silently) and retries once. */
    async withToken<T>(call: (token: string) => Promise<T>): Promise<T> {
      const token = await currentToken();
      try {
        return await call(token);
      } catch (error) {
        if (!(error instanceof ExtensionError) || error.status !== 401) throw error;
        const stored = await deps.store.get();
        if (stored?.session?.token === token) await deps.store.set({ ...stored, session: null });
        return call(await currentToken());
      }
    },
  };
}

export type AuthManager = ReturnType<typeof createAuthManager>;
