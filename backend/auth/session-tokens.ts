import { createSecretKey, randomBytes, type KeyObject } from 'node:crypto';
import { SignJWT, jwtVerify, type JWTPayload } from 'jose';

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
 * `secrets` is SESSION_SECRET: the first signs, every one verifies, so a rotation (new secret first, the old one
 * after it, until the old tokens expired) signs nobody out. None: a random secret for this process only.
 */
export function createSessionTokens(secrets: string | string[] | undefined, now: () => Date = () => new Date()): SessionTokens {
  const given = typeof secrets === 'string' ? [secrets] : (secrets ?? []);
  const keys = (given.length > 0 ? given : [randomBytes(32).toString('hex')]).map((secret) => createSecretKey(Buffer.from(secret)));
  const [key] = keys as [KeyObject];
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
      const payload = await verifiedPayload(token, keys, now());
      if (!payload?.sub || !payload.exp || typeof payload.ver !== 'number') return undefined;
      const subject = { solverId: payload.sub, tokenVersion: payload.ver };
      if (verified.size >= VERIFIED_CACHE_SIZE) verified.delete(verified.keys().next().value!);
      verified.set(token, { subject, exp: payload.exp });
      return subject;
    },
  };
}

/** The token's claims if one of `keys` signed it and it is valid at `at`; undefined otherwise. */
async function verifiedPayload(token: string, keys: KeyObject[], at: Date): Promise<JWTPayload | undefined> {
  for (const key of keys) {
    try {
      const { payload } = await jwtVerify(token, key, {
        issuer: ISSUER,
        audience: AUDIENCE,
        algorithms: ['HS256'],
        currentDate: at,
        requiredClaims: ['exp', 'iat', 'sub'],
      });
      return payload;
    } catch {
      // Another key may have signed it (a rotation), or none did.
    }
  }
  return undefined;
}
