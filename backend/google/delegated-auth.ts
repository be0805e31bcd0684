import { OAuth2Client, gaxios } from 'google-auth-library';
import type { JwtSigner } from './jwt-signers.ts';

/** Google's token endpoint as the assertion's `aud` names it (the exchange itself goes to GOOGLE_OAUTH_URL). */
const GOOGLE_TOKEN_AUDIENCE = 'https://oauth2.googleapis.com/token';
const JWT_BEARER = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
/** A cached token is replaced this long before it expires (and the assertion lives one hour, Google's maximum). */
export const REFRESH_BEFORE_EXPIRY_MS = 5 * 60_000;
const ASSERTION_LIFETIME_SEC = 3600;

/** An access token acting as one Workspace user; `expiresAt` in epoch milliseconds. */
export type DelegatedToken = { accessToken: string; expiresAt: number };

export type DelegatedAuth = {
  mode: JwtSigner['mode'];
  signer: JwtSigner;
  /**
   * The access token acting as `subject` with exactly `scopes`: reused until 5 minutes before it expires;
   * concurrent calls for the same subject and scopes share one signature and exchange.
   * @throws DelegationFailure (keyless signing) or the exchange's GaxiosError (`unauthorized_client`, `invalid_grant`).
   */
  accessToken(subject: string, scopes: readonly string[]): Promise<DelegatedToken>;
  /** Signs and exchanges a fresh token, bypassing the cache (the doctor's probes). Throws as `accessToken`. */
  mint(subject: string, scopes: readonly string[]): Promise<DelegatedToken>;
  /** An auth client for googleapis acting as `subject` with `scopes`, drawing on `accessToken`. */
  forSubject(subject: string, scopes: readonly string[]): OAuth2Client;
};

export type DelegatedAuthOptions = {
  signer: JwtSigner;
  oauthUrl: string;
  timeoutMs: number;
  /** The cache's clock (epoch ms); tests move it to reach a token's refresh time. */
  now?: () => number;
};

/**
 * Domain-wide delegation, one credential source for key and keyless modes: the signer signs the assertion
 * (`iss` the service account, `sub` the solver), then the JWT-bearer exchange at `{oauthUrl}/token` returns the
 * solver's access token. Each product area asks for its own scopes: Google refuses the whole exchange when one
 * requested scope is not granted, so a delegation missing the Meet scopes must never break Calendar.
 */
export function createDelegatedAuth(options: DelegatedAuthOptions): DelegatedAuth {
  const now = options.now ?? Date.now;
  const cache = new Map<string, DelegatedToken>();
  const inFlight = new Map<string, Promise<DelegatedToken>>();
  const clients = new Map<string, OAuth2Client>();
  const keyOf = (subject: string, scopes: readonly string[]) => `${subject.toLowerCase()} ${scopes.join(' ')}`;

  const mint = async (subject: string, scopes: readonly string[]): Promise<DelegatedToken> => {
    // Google's clock judges the assertion: iat is real time even when the cache runs on an injected clock.
    const iat = Math.floor(Date.now() / 1000);
    const assertion = await options.signer.sign({
      iss: options.signer.serviceAccountEmail,
      sub: subject,
      scope: scopes.join(' '),
      aud: GOOGLE_TOKEN_AUDIENCE,
      iat,
      exp: iat + ASSERTION_LIFETIME_SEC,
    });
    const { data } = await gaxios.request<{ access_token: string; expires_in: number }>({
      url: `${options.oauthUrl}/token`,
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      data: new URLSearchParams({ grant_type: JWT_BEARER, assertion }).toString(),
      responseType: 'json',
      timeout: options.timeoutMs,
      retry: false,
    });
    return { accessToken: data.access_token, expiresAt: now() + data.expires_in * 1000 };
  };

  const accessToken = (subject: string, scopes: readonly string[]): Promise<DelegatedToken> => {
    const key = keyOf(subject, scopes);
    const cached = cache.get(key);
    if (cached && cached.expiresAt - REFRESH_BEFORE_EXPIRY_MS > now()) return Promise.resolve(cached);
    let pending = inFlight.get(key);
    if (!pending) {
      pending = mint(subject, scopes)
        .then((token) => {
          cache.set(key, token);
          return token;
        })
        .finally(() => inFlight.delete(key));
      inFlight.set(key, pending);
    }
    return pending;
  };

  return {
    mode: options.signer.mode,
    signer: options.signer,
    accessToken,
    mint,
    forSubject(subject, scopes) {
      const key = keyOf(subject, scopes);
      let client = clients.get(key);
      if (!client) {
        client = new OAuth2Client({ eagerRefreshThresholdMillis: REFRESH_BEFORE_EXPIRY_MS });
        client.refreshHandler = async () => {
          const token = await accessToken(subject, scopes);
          return { access_token: token.accessToken, expiry_date: token.expiresAt };
        };
        clients.set(key, client);
      }
      return client;
    },
  };
}
