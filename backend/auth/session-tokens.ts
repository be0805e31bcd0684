import { createSecretKey, randomBytes } from 'node:crypto';
import { SignJWT, jwtVerify } from 'jose';

const ISSUER = 'savvysolve-meet';
const AUDIENCE = 'savvysolve-meet-extension';
export const SESSION_TOKEN_TTL_SECONDS = 60 * 60;

export type SessionTokens = {
  issue(solverId: string): Promise<{ token: string; expiresAt: Date }>;
  /** The solver id the token was issued to, or undefined when it is expired, tampered or foreign. */
  verify(token: string): Promise<string | undefined>;
};

const VERIFIED_CACHE_SIZE = 10_000;

/**
 * Short-lived backend session tokens (HS256 JWTs); verifying them is local. A token string already verified is
 * remembered until it expires: the same bytes passed the HMAC check once, so checking them again adds nothing.
 */
export function createSessionTokens(secret: string | undefined, now: () => Date = () => new Date()): SessionTokens {
  const key = createSecretKey(Buffer.from(secret ?? randomBytes(32).toString('hex')));
  const verified = new Map<string, { sub: string; exp: number }>();
  return {
    async issue(solverId) {
      const issuedAt = Math.floor(now().getTime() / 1000);
      const expiresAt = new Date((issuedAt + SESSION_TOKEN_TTL_SECONDS) * 1000);
      const token = await new SignJWT({})
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
        if (known.exp * 1000 > now().getTime()) return known.sub;
        verified.delete(token);
        return undefined;
      }
      try {
        const { payload } = await jwtVerify(token, key, {
          issuer: ISSUER,
          audience: AUDIENCE,
          algorithms: ['HS256'],
          currentDate: now(),
        });
        if (payload.sub && payload.exp) {
          if (verified.size >= VERIFIED_CACHE_SIZE) verified.delete(verified.keys().next().value!);
          verified.set(token, { sub: payload.sub, exp: payload.exp });
        }
        return payload.sub;
      } catch {
        return undefined;
      }
    },
  };
}
