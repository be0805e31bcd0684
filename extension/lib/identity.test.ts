import { describe, expect, it, vi } from 'vitest';
import { ExtensionError } from './errors.ts';
import { createGoogleIdentity, parseRedirect, type IdentityApi } from './identity.ts';
import { GOOGLE_AUTHORIZATION_ENDPOINT } from './settings.ts';

const REDIRECT = 'https://nnidkclgcoenlalbflknijieocjmigjl.chromiumapp.org/';

function fakeIdentity(overrides: Partial<Record<keyof IdentityApi, unknown>> = {}) {
  return {
    getRedirectURL: vi.fn(() => REDIRECT),
    removeCachedAuthToken: vi.fn(async () => {}),
    getAuthToken: vi.fn(async () => {
      throw new Error('The user is not signed in.');
    }),
    launchWebAuthFlow: vi.fn(async ({ url }: { url: string }) => {
      const state = new URL(url).searchParams.get('state');
      return `${REDIRECT}#access_token=web-token&token_type=Bearer&expires_in=3599&state=${state}`;
    }),
    ...overrides,
  } as unknown as IdentityApi & Record<keyof IdentityApi, ReturnType<typeof vi.fn>>;
}

const settings =
  (overrides: Partial<{ oauthClientId: string; authorizationEndpoint: string; workspaceDomain: string }> = {}) =>
  async () => ({
    oauthClientId: 'client-123.apps.googleusercontent.com',
    authorizationEndpoint: 'http://127.0.0.1:4010/o/oauth2/v2/auth',
    workspaceDomain: '',
    ...overrides,
  });

describe('Google identity', () => {
  it('runs the implicit flow against the configured endpoint with client id, redirect URI, scopes and state', async () => {
    const identity = fakeIdentity();
    const google = createGoogleIdentity({
      identity,
      settings: settings({ workspaceDomain: 'example.com' }),
      manifestOAuthClientId: undefined,
      loginHint: async () => 'ada@example.com',
      randomState: () => 'state-1',
    });
    const token = await google.getAccessToken({ interactive: true });
    expect(token).toMatchObject({ token: 'web-token', method: 'launchWebAuthFlow' });
    const call = identity.launchWebAuthFlow.mock.calls[0]![0] as { url: string; interactive: boolean };
    expect(call.interactive).toBe(true);
    const url = new URL(call.url);
    expect(`${url.origin}${url.pathname}`).toBe('http://127.0.0.1:4010/o/oauth2/v2/auth');
    expect(Object.fromEntries(url.searchParams)).toEqual({
      client_id: 'client-123.apps.googleusercontent.com',
      redirect_uri: REDIRECT,
      response_type: 'token',
      scope: 'openid email profile',
      state: 'state-1',
      hd: 'example.com',
      login_hint: 'ada@example.com',
    });
    expect(identity.getAuthToken).not.toHaveBeenCalled();
  });

  it('asks for no prompt when signing in silently', async () => {
    const identity = fakeIdentity();
    await createGoogleIdentity({ identity, settings: settings(), manifestOAuthClientId: undefined }).getAccessToken({ interactive: false });
    const call = identity.launchWebAuthFlow.mock.calls[0]![0] as { url: string; interactive: boolean };
    expect(call.interactive).toBe(false);
    expect(new URL(call.url).searchParams.get('prompt')).toBe('none');
  });

  it('uses chrome.identity.getAuthToken when the build has a Chrome OAuth client and Google is the endpoint', async () => {
    const identity = fakeIdentity({ getAuthToken: vi.fn(async () => ({ token: 'chrome-token', grantedScopes: [] })) });
    const google = createGoogleIdentity({
      identity,
      settings: settings({ authorizationEndpoint: GOOGLE_AUTHORIZATION_ENDPOINT }),
      manifestOAuthClientId: 'chrome-client',
    });
    const token = await google.getAccessToken({ interactive: true });
    expect(token).toMatchObject({ token: 'chrome-token', method: 'getAuthToken' });
    expect(identity.getAuthToken).toHaveBeenCalledWith({ interactive: false, scopes: ['openid', 'email', 'profile'] });
    expect(identity.launchWebAuthFlow).not.toHaveBeenCalled();
    await token.forget();
    expect(identity.removeCachedAuthToken).toHaveBeenCalledWith({ token: 'chrome-token' });
  });

  it('falls back to launchWebAuthFlow when Chrome has no signed-in account (other Chromium browsers)', async () => {
    const identity = fakeIdentity();
    const google = createGoogleIdentity({
      identity,
      settings: settings({ authorizationEndpoint: GOOGLE_AUTHORIZATION_ENDPOINT }),
      manifestOAuthClientId: 'chrome-client',
    });
    expect(await google.getAccessToken({ interactive: true })).toMatchObject({ token: 'web-token', method: 'launchWebAuthFlow' });
    expect(identity.getAuthToken).toHaveBeenCalledTimes(1);
  });

  it('asks for consent with an interactive getAuthToken when the grant is missing', async () => {
    const getAuthToken = vi.fn(async ({ interactive }: { interactive: boolean }) => {
      if (!interactive) throw new Error('OAuth2 not granted or revoked.');
      return { token: 'consented-token' };
    });
    const identity = fakeIdentity({ getAuthToken });
    const google = createGoogleIdentity({
      identity,
      settings: settings({ authorizationEndpoint: GOOGLE_AUTHORIZATION_ENDPOINT }),
      manifestOAuthClientId: 'chrome-client',
    });
    expect((await google.getAccessToken({ interactive: true })).token).toBe('consented-token');
    expect(getAuthToken.mock.calls.map(([options]) => options.interactive)).toEqual([false, true]);
  });

  it('does not wait forever for a getAuthToken that never settles', async () => {
    const identity = fakeIdentity({ getAuthToken: vi.fn(() => new Promise(() => {})) });
    const google = createGoogleIdentity({
      identity,
      settings: settings({ authorizationEndpoint: GOOGLE_AUTHORIZATION_ENDPOINT }),
      manifestOAuthClientId: 'chrome-client',
      silentTimeoutMs: 20,
    });
    expect((await google.getAccessToken({ interactive: false })).method).toBe('launchWebAuthFlow');
  });

  it('explains a missing OAuth client id', async () => {
    const google = createGoogleIdentity({
      identity: fakeIdentity(),
      settings: settings({ oauthClientId: '' }),
      manifestOAuthClientId: undefined,
    });
    await expect(google.getAccessToken({ interactive: true })).rejects.toMatchObject({
      code: 'identity',
      message: expect.stringMatching(/OAuth client id/),
    });
  });

  it('reports a cancelled sign-in in words', async () => {
    const identity = fakeIdentity({ launchWebAuthFlow: vi.fn(async () => Promise.reject(new Error('The user did not approve access.'))) });
    const google = createGoogleIdentity({ identity, settings: settings(), manifestOAuthClientId: undefined });
    const error = await google.getAccessToken({ interactive: true }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ExtensionError);
    expect(error).toMatchObject({ code: 'identity', message: 'Google sign-in did not complete (The user did not approve access.).' });
    expect((error as ExtensionError).status).toBeUndefined();
  });
});

describe('parseRedirect', () => {
  it.each([
    [`${REDIRECT}#access_token=t&state=s`, 't'],
    [`${REDIRECT}?access_token=t&state=s`, 't'],
  ])('reads the token from %s', (url, token) => {
    expect(parseRedirect(url, 's')).toBe(token);
  });

  it.each([
    [`${REDIRECT}#access_token=t&state=other`, /state mismatch/],
    [`${REDIRECT}#error=access_denied&state=s`, /access_denied/],
    [`${REDIRECT}#state=s`, /no access token/],
    [undefined, /closed before it finished/],
  ])('refuses %s', (url, problem) => {
    expect(() => parseRedirect(url, 's')).toThrow(problem);
    expect(() => parseRedirect(url, 's')).toThrow(ExtensionError);
    expect(() => parseRedirect(url, 's')).toThrow(expect.objectContaining({ code: 'identity' }));
  });
});
