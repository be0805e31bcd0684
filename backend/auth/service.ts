import { ERROR_CODES, type AuthSession } from '../../shared/index.ts';
import type { Database } from '../db/client.ts';
import { ApiError } from '../http/errors.ts';
import type { SolverCache } from '../solvers/solver-cache.ts';
import { findSolverByAnyEmail, setGoogleAccountId, toSolver, type SolverRow } from '../solvers/solver-store.ts';
import { createRateLimiter } from '../rate-limit/rate-limiter.ts';
import { GoogleUnavailableError, type GoogleTokenIdentity, type GoogleTokenVerifier } from './google-token-verifier.ts';
import type { SessionTokens } from './session-tokens.ts';
import { createSignInThrottle, type SignInThrottle } from './sign-in-throttle.ts';

export type AuthServiceDeps = {
  db: Database;
  verifier: GoogleTokenVerifier;
  tokens: SessionTokens;
  solvers: SolverCache;
  oauthClientIds: string[];
  workspaceDomains: string[];
  /** Sign-in rate limits and refusal memory; defaults to sign-in-throttle.ts's Postgres-backed limits on `db`. */
  throttle?: SignInThrottle;
};

export type AuthService = ReturnType<typeof createAuthService>;

const DISABLED = 'Your SavvySolve solver account is disabled. Ask your admin.';

export function createAuthService(deps: AuthServiceDeps) {
  const throttle = deps.throttle ?? createSignInThrottle(createRateLimiter(deps.db));

  /** Google's identity for a token, or the refusal remembered for it; refusals are remembered, outages are not. */
  async function verifyWithGoogle(googleAccessToken: string): Promise<GoogleTokenIdentity> {
    const remembered = throttle.refusal(googleAccessToken);
    if (remembered) throw new ApiError(401, ERROR_CODES.unauthorized, remembered);
    await throttle.admitUpstream();
    let identity: GoogleTokenIdentity | undefined;
    try {
      identity = await deps.verifier.verify(googleAccessToken);
    } catch (error) {
      if (!(error instanceof GoogleUnavailableError)) throw error;
      throw new ApiError(503, ERROR_CODES.upstreamUnavailable, 'Google could not check your sign-in right now; try again in a minute.', {
        'retry-after': '60',
      });
    }
    const refusal = !identity
      ? 'Google did not accept this access token (invalid or expired). Sign in again.'
      : !deps.oauthClientIds.includes(identity.audience)
        ? 'This Google token was issued to another application, not to the SavvySolve Meet extension.'
        : undefined;
    if (refusal) {
      throttle.rememberRefusal(googleAccessToken, refusal);
      throw new ApiError(401, ERROR_CODES.unauthorized, refusal);
    }
    return identity!;
  }

  /**
   * Exchanges a Google access token for a backend session token. `clientAddress` is the caller's address (the socket's
   * peer, or the X-Forwarded-For entry TRUST_PROXY vouches for), rate-limited per address (IPv6 per /64).
   * @throws ApiError 401 when Google refuses the token or it was issued to another app (the same token again is
   *   answered from memory for a minute, without asking Google); 403 for an unverified email, another domain, no
   *   solver or a disabled one; 429 with Retry-After for too many attempts from this address or on this server;
   *   503 when sign-in is not configured or Google cannot check the token (5xx, 429, timeout).
   */
  async function signIn(googleAccessToken: string, clientAddress: string): Promise<AuthSession> {
    if (deps.oauthClientIds.length === 0) {
      throw new ApiError(503, ERROR_CODES.notConfigured, 'Sign-in is not configured on the backend: set GOOGLE_OAUTH_CLIENT_IDS.');
    }
    await throttle.admitAddress(clientAddress);
    const identity = await verifyWithGoogle(googleAccessToken);
    if (!identity.emailVerified) throw new ApiError(403, ERROR_CODES.forbidden, 'Your Google email address is not verified.');
    const domain = identity.email.split('@')[1] ?? '';
    if (deps.workspaceDomains.length > 0 && !deps.workspaceDomains.includes(domain)) {
      throw new ApiError(403, ERROR_CODES.forbidden, `Google accounts of ${domain} may not sign in here; use your Workspace account.`);
    }
    const solver = await findSolverByAnyEmail(deps.db, identity.email);
    if (!solver) {
      throw new ApiError(
        403,
        ERROR_CODES.forbidden,
        `No SavvySolve solver is registered for ${identity.email}. Ask your admin to add you.`,
      );
    }
    if (solver.disabled) throw new ApiError(403, ERROR_CODES.forbidden, DISABLED);
    // Remembered to recognise the solver among a Meet call's participants (backend/meet-space/attendance.ts).
    if (identity.accountId && identity.accountId !== solver.googleAccountId) {
      await setGoogleAccountId(deps.db, solver.id, identity.accountId);
    }
    const { token, expiresAt } = await deps.tokens.issue({ solverId: solver.id, tokenVersion: solver.tokenVersion });
    return { token, expiresAt: expiresAt.toISOString(), solver: toSolver(solver) };
  }

  /**
   * The solver behind a backend session token, read through the solver cache: a change made on this instance
   * applies at once, one made elsewhere within a second (docs/guarantees.md, revocation).
   * @throws ApiError 401 for a missing, invalid, expired or revoked token (older token version); 403 when disabled.
   */
  async function authenticate(authorization: string | undefined): Promise<SolverRow> {
    const token = /^Bearer (.+)$/i.exec(authorization ?? '')?.[1];
    if (!token) throw new ApiError(401, ERROR_CODES.unauthorized, 'Sign in first: send Authorization: Bearer <session token>.');
    const subject = await deps.tokens.verify(token);
    const solver = subject ? await deps.solvers.get(subject.solverId) : undefined;
    if (!solver) throw new ApiError(401, ERROR_CODES.unauthorized, 'Your session token is invalid or expired. Sign in again.');
    if (solver.disabled) throw new ApiError(403, ERROR_CODES.forbidden, DISABLED);
    if (subject!.tokenVersion !== solver.tokenVersion)
      throw new ApiError(401, ERROR_CODES.unauthorized, 'Your access changed since you signed in. Sign in again.');
    return solver;
  }

  return { signIn, authenticate };
}
