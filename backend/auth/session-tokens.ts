import { createSecretKey, randomBytes } from 'node:crypto';
import { SignJWT, jwtVerify } from 'jose';

const ISSUER = 'savvysolve-meet';
const AUDIENCE = 'savvysolve-meet-extension';
export const SESSION_TOKEN_TTL_SECONDS = 60 * 60;

/** Who a session token was issued to: the solver's id and their token version at the time (revocation). */
export type TokenSubject = { solverId: string; tokenVersion: number };

export type SessionTokens = {
  issue(subject: TokenSubject): Promise<{ token: string; expiresAt: Date }>;
  /** The subject the token was issued to, or undefined when it is expired, tampered, foreign or lacks a claim. */
  verify(token: string): Promise<TokenSubject | undefined>;
};

const VERIFIED_CACHE_SIZE = 10_000;

/**
 * Short-lived backend session tokens (HS256 JWTs); verifying them is local. A token string already verified is
 * remembered until it expires: the same bytes passed the HMAC check once, so checking them again adds nothing.
 */
export function createSessionTokens(secret: string | undefined, now: () => Date = () => new Date()): SessionTokens {
  const key = createSecretKey(Buffer.from(secret ?? randomBytes(32).toString('hex')));
  const verified = new Map<string, { subject: TokenSubject; exp: number }>();
  return {
    async issue({ solverId, tokenVersion }) {
      const issuedAt = Math.floor(now().getTime() / 1000);
      const expiresAt = new Date((issuedAt + SESSION_TOKEN_TTL_SECONDS) * 1000);
      const token = await new SignJWT({ ver: tokenVersion })
        .setProtectedHeader({ alg: 'HS256' })
        .setSubject(solverId)
        .setIssuer(ISSUER)
        .setAudience(AUDIENCE)
        .setIssuedAt(issuedAt)
        .setExpirationTime(issuedAt + SESSION_TOKEN_TTL_SECONDS)
        .sign(key);
      return { token, expiresAt };
    },
    async verify(token) {
      const known = verified.get(token);
      if (known) {
        if (known.exp * 1000 > now().getTime()) return known.subject;
        verified.delete(token);
        return undefined;
      }
      try {
        const { payload } = await jwtVerify(token, key, {
          issuer: ISSUER,
          audience: AUDIENCE,
          algorithms: ['HS256'],
          currentDate: now(),
          requiredClaims: ['exp', 'iat', 'sub'],
        });
        if (!payload.sub || !payload.exp || typeof payload.ver !== 'number') return undefined;
        const subject = { solverId: payload.sub, tokenVersion: payload.ver };
        if (verified.size >= VERIFIED_CACHE_SIZE) verified.delete(verified.keys().next().value!);
        verified.set(token, { subject, exp: payload.exp });
        return subject;
      } catch {
        return undefined;
      }
    },
  };
}
