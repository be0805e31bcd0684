import { randomBytes } from 'node:crypto';
import { SignJWT, jwtVerify } from 'jose';

const ISSUER = 'savvysolve-meet';
const AUDIENCE = 'savvysolve-meet-extension';
export const SESSION_TOKEN_TTL_SECONDS = 60 * 60;

export type SessionTokens = {
  issue(solverId: string): Promise<{ token: string; expiresAt: Date }>;
  /** The solver id the token was issued to, or undefined when it is expired, tampered or foreign. */
  verify(token: string): Promise<string | undefined>;
};

/** Short-lived backend session tokens (HS256 JWTs); verifying them is local. */
export function createSessionTokens(secret: string | undefined, now: () => Date = () => new Date()): SessionTokens {
  const key = new TextEncoder().encode(secret ?? randomBytes(32).toString('hex'));
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
      try {
        const { payload } = await jwtVerify(token, key, {
          issuer: ISSUER,
          audience: AUDIENCE,
          algorithms: ['HS256'],
          currentDate: now(),
        });
        return payload.sub;
      } catch {
        return undefined;
      }
    },
  };
}
