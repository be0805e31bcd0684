import { createHash, randomBytes } from 'node:crypto';

/** What Google knows about an access token it issued. */
export type IssuedToken = {
  /** The user the token acts as (the delegation subject, or the service account itself). */
  email: string;
  /** OAuth client id the token was issued to (`aud`/`azp` in tokeninfo). */
  audience: string;
  scopes: string[];
  emailVerified: boolean;
  expiresAt: number;
  /** Set when a service account obtained it; `delegated` when it acts as a user through domain-wide delegation. */
  serviceAccount?: { clientEmail: string; delegated: boolean };
};

export type TokenStore = {
  issue(token: Omit<IssuedToken, 'expiresAt'>, expiresInSec: number): string;
  /** The token's facts; undefined when unknown or expired. */
  lookup(accessToken: string): IssuedToken | undefined;
};

/** Access tokens in Google's `ya29.` style, remembered with what they grant. */
export function createTokenStore(): TokenStore {
  const tokens = new Map<string, IssuedToken>();
  return {
    issue(token, expiresInSec) {
      const accessToken = `ya29.${randomBytes(48).toString('base64url')}`;
      tokens.set(accessToken, { ...token, expiresAt: Date.now() + expiresInSec * 1000 });
      return accessToken;
    },
    lookup(accessToken) {
      const token = tokens.get(accessToken);
      return token && token.expiresAt > Date.now() ? token : undefined;
    },
  };
}

/** A stable numeric Google account id for an email, as tokeninfo's `sub`. */
export function googleUserId(email: string): string {
  const digest = createHash('sha256').update(email.toLowerCase()).digest();
  return '1' + Array.from(digest.subarray(0, 20), (byte) => byte % 10).join('');
}
