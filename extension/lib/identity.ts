import type { browser } from 'wxt/browser';
import { messageOf } from '../../shared/errors.ts';
import { ExtensionError } from './errors.ts';
import { GOOGLE_AUTHORIZATION_ENDPOINT, type Settings } from './settings.ts';

/** The chrome.identity calls sign-in uses; tests pass a fake. */
export type IdentityApi = Pick<typeof browser.identity, 'getAuthToken' | 'launchWebAuthFlow' | 'getRedirectURL' | 'removeCachedAuthToken'>;

export type GoogleAccessToken = {
  token: string;
  method: 'getAuthToken' | 'launchWebAuthFlow';
  /** Drops the token from Chrome's cache (after Google or the backend refused it), so the next try gets a fresh one. */
  forget(): Promise<void>;
};

/** Getting a Google access token failed: an {@link ExtensionError} with code `identity`. */
const identityError = (message: string) => new ExtensionError('identity', message);

const isIdentityError = (error: unknown) => error instanceof ExtensionError && error.code === 'identity';

export type GoogleIdentityDeps = {
  identity: IdentityApi;
  settings: () => Promise<Pick<Settings, 'oauthClientId' | 'authorizationEndpoint' | 'workspaceDomain'>>;
  /** The manifest's `oauth2.client_id`: `getAuthToken` only works when the build has one. */
  manifestOAuthClientId: string | undefined;
  /** The last account that signed in, offered to the authorization page as `login_hint`. */
  loginHint?: () => Promise<string | undefined>;
  randomState?: () => string;
  /** Bounds a silent `getAuthToken`, which never settles in some Chromium builds. */
  silentTimeoutMs?: number;
  interactiveTimeoutMs?: number;
};

export const OAUTH_SCOPES = ['openid', 'email', 'profile'];

const withTimeout = <T>(promise: Promise<T>, ms: number, what: string) =>
  new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(identityError(`${what} did not finish in time.`)), ms);
    promise.then(
      (value) => (clearTimeout(timer), resolve(value)),
      (error: unknown) => (clearTimeout(timer), reject(error)),
    );
  });

/** Errors where asking the user (consent screen) can help; anything else falls through to the web auth flow. */
const needsConsent = (error: unknown) => /not granted|revoked|consent|interaction/i.test(messageOf(error));

/**
 * Gets a Google OAuth access token for the browser's account:
 * - `chrome.identity.getAuthToken` when the build carries a Chrome OAuth client and the authorization endpoint is
 *   Google's own (Chrome signed in to a Google account);
 * - otherwise — other Chromium browsers, a profile not signed in, a custom authorization endpoint (the tests'
 *   Google emulator) — `chrome.identity.launchWebAuthFlow` with the implicit flow against the configured endpoint.
 */
export function createGoogleIdentity(deps: GoogleIdentityDeps) {
  const randomState = deps.randomState ?? (() => crypto.randomUUID());

  async function viaGetAuthToken(interactive: boolean): Promise<GoogleAccessToken> {
    const timeout = interactive ? (deps.interactiveTimeoutMs ?? 180_000) : (deps.silentTimeoutMs ?? 10_000);
    const result = await withTimeout(deps.identity.getAuthToken({ interactive, scopes: OAUTH_SCOPES }), timeout, 'Chrome sign-in');
    const token = typeof result === 'string' ? result : result?.token;
    if (!token) throw identityError('Chrome returned no Google token.');
    return {
      token,
      method: 'getAuthToken',
      forget: () => deps.identity.removeCachedAuthToken({ token }),
    };
  }

  async function viaWebAuthFlow(interactive: boolean): Promise<GoogleAccessToken> {
    const settings = await deps.settings();
    if (!settings.oauthClientId) {
      throw identityError('No OAuth client id is configured. Set it in the SavvySolve Meet options (or ask your admin).');
    }
    const state = randomState();
    const redirectUri = deps.identity.getRedirectURL();
    const url = new URL(settings.authorizationEndpoint);
    url.searchParams.set('client_id', settings.oauthClientId);
    url.searchParams.set('redirect_uri', redirectUri);
    url.searchParams.set('response_type', 'token');
    url.searchParams.set('scope', OAUTH_SCOPES.join(' '));
    url.searchParams.set('state', state);
    if (!interactive) url.searchParams.set('prompt', 'none');
    if (settings.workspaceDomain) url.searchParams.set('hd', settings.workspaceDomain);
    const hint = await deps.loginHint?.();
    if (hint) url.searchParams.set('login_hint', hint);

    let redirected: string | undefined;
    try {
      const flow = deps.identity.launchWebAuthFlow({ url: url.toString(), interactive });
      redirected = await withTimeout(
        flow,
        interactive ? (deps.interactiveTimeoutMs ?? 180_000) : (deps.silentTimeoutMs ?? 10_000),
        'Google sign-in',
      );
    } catch (error) {
      if (isIdentityError(error)) throw error;
      throw identityError(
        interactive ? `Google sign-in did not complete (${messageOf(error)}).` : `Silent Google sign-in failed (${messageOf(error)}).`,
      );
    }
    return { token: parseRedirect(redirected, state), method: 'launchWebAuthFlow', forget: async () => {} };
  }

  return {
    async getAccessToken({ interactive }: { interactive: boolean }): Promise<GoogleAccessToken> {
      const settings = await deps.settings();
      const chromeAccount =
        Boolean(deps.manifestOAuthClientId) &&
        settings.authorizationEndpoint === GOOGLE_AUTHORIZATION_ENDPOINT &&
        typeof deps.identity.getAuthToken === 'function';
      if (!chromeAccount) return viaWebAuthFlow(interactive);
      try {
        return await viaGetAuthToken(false);
      } catch (silentError) {
        if (interactive && needsConsent(silentError)) return viaGetAuthToken(true);
        // "The user is not signed in." (no Chrome account, other Chromium browsers) and the like.
        return viaWebAuthFlow(interactive);
      }
    },
  };
}

export type GoogleIdentity = ReturnType<typeof createGoogleIdentity>;

/** Reads the access token from the implicit flow's redirect (`…#access_token=…&state=…`). */
export function parseRedirect(redirected: string | undefined, expectedState: string): string {
  if (!redirected) throw identityError('Google sign-in was closed before it finished.');
  const url = new URL(redirected);
  const params = new URLSearchParams(url.hash.replace(/^#/, '') || url.search.replace(/^\?/, ''));
  const error = params.get('error');
  if (error)
    throw identityError(
      `Google sign-in answered "${error}"${params.get('error_description') ? `: ${params.get('error_description')}` : ''}.`,
    );
  if (params.get('state') !== expectedState) throw identityError('Google sign-in answered for another request (state mismatch).');
  const token = params.get('access_token');
  if (!token) throw identityError('Google sign-in returned no access token.');
  return token;
}
