import { ERROR_CODES, type AuthSession } from '../../shared/index.ts';
import type { Database } from '../db/client.ts';
import { ApiError } from '../http/errors.ts';
import type { SolverCache } from '../solvers/solver-cache.ts';
import { findSolverByAnyEmail, toSolver, type SolverRow } from '../solvers/solver-store.ts';
import type { GoogleTokenVerifier } from './google-token-verifier.ts';
import type { SessionTokens } from './session-tokens.ts';

export type AuthServiceDeps = {
  db: Database;
  verifier: GoogleTokenVerifier;
  tokens: SessionTokens;
  solvers: SolverCache;
  oauthClientIds: string[];
  workspaceDomains: string[];
};

export type AuthService = ReturnType<typeof createAuthService>;

export function createAuthService(deps: AuthServiceDeps) {
  /** Exchanges a Google access token for a backend session token. */
  async function signIn(googleAccessToken: string): Promise<AuthSession> {
    if (deps.oauthClientIds.length === 0) {
      throw new ApiError(503, ERROR_CODES.notConfigured, 'Sign-in is not configured on the backend: set GOOGLE_OAUTH_CLIENT_IDS.');
    }
    const identity = await deps.verifier.verify(googleAccessToken);
    if (!identity)
      throw new ApiError(401, ERROR_CODES.unauthorized, 'Google did not accept this access token (invalid or expired). Sign in again.');
    if (!deps.oauthClientIds.includes(identity.audience)) {
      throw new ApiError(
        401,
        ERROR_CODES.unauthorized,
        'This Google token was issued to another application, not to the SavvySolve Meet extension.',
      );
    }
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
    const { token, expiresAt } = await deps.tokens.issue(solver.id);
    return { token, expiresAt: expiresAt.toISOString(), solver: toSolver(solver) };
  }

  /** The solver behind a backend session token (through the cache: employment changes apply within a second). */
  async function authenticate(authorization: string | undefined): Promise<SolverRow> {
    const token = /^Bearer (.+)$/i.exec(authorization ?? '')?.[1];
    if (!token) throw new ApiError(401, ERROR_CODES.unauthorized, 'Sign in first: send Authorization: Bearer <session token>.');
    const solverId = await deps.tokens.verify(token);
    const solver = solverId ? await deps.solvers.get(solverId) : undefined;
    if (!solver) throw new ApiError(401, ERROR_CODES.unauthorized, 'Your session token is invalid or expired. Sign in again.');
    return solver;
  }

  return { signIn, authenticate };
}
