import { meetPermission } from '../meet/meet-policy.ts';
import type { RateLimit, RateLimiter } from '../rate-limit/rate-limiter.ts';
import type { SolverRow } from '../solvers/solver-store.ts';

/** How long a session id the SavvySolve app did not know is answered "unknown" without asking again. */
export const UNKNOWN_SESSION_TTL_MS = 60_000;
/** Per solver, across instances: how many sessions they may have pulled from the app. */
export const PULL_BUDGET: RateLimit = { limit: 10, windowSeconds: 60 };
/** Unknown ids remembered at most (oldest forgotten first), so a flood of random ids cannot grow memory. */
const MAX_UNKNOWN_IDS = 10_000;

/** Asks the app about one session and stores it; true when the session is now stored here. */
export type PullOne = (sessionId: string) => Promise<boolean>;

/**
 * Asks the SavvySolve app about a session only when it is worth it, so GETs of unknown ids cannot be amplified
 * into pulls (docs/connecting-savvysolve.md "Lazy pull"): never for a solver the Meet policy refuses (a contract
 * solver learns nothing), never again within 60 s for an id the app did not know, one pull in flight per id (later
 * callers share its answer), and at most PULL_BUDGET pulls per solver — checked before the pull.
 * @throws ApiError 429 (Retry-After) over the budget; whatever `pull` throws (503 when the app cannot answer).
 */
export function createBoundedPull(pull: PullOne, limiter: RateLimiter, now: () => number = Date.now) {
  const inFlight = new Map<string, Promise<boolean>>();
  const unknownUntil = new Map<string, number>();

  function knownUnknown(sessionId: string): boolean {
    const until = unknownUntil.get(sessionId);
    if (until === undefined) return false;
    if (until > now()) return true;
    unknownUntil.delete(sessionId);
    return false;
  }

  function rememberUnknown(sessionId: string): void {
    unknownUntil.delete(sessionId);
    unknownUntil.set(sessionId, now() + UNKNOWN_SESSION_TTL_MS);
    if (unknownUntil.size > MAX_UNKNOWN_IDS) unknownUntil.delete(unknownUntil.keys().next().value!);
  }

  return async function pullFor(sessionId: string, solver: SolverRow): Promise<boolean> {
    if (solver.disabled || !meetPermission(solver, true).canUse) return false;
    if (knownUnknown(sessionId)) return false;
    const running = inFlight.get(sessionId);
    if (running) return running;
    // In flight from the first moment, budget check included: concurrent callers join it and count nothing.
    const pulled = (async () => {
      await limiter.hit(`session-pull:${solver.id}`, PULL_BUDGET, 'sessions asked of the SavvySolve app');
      const stored = await pull(sessionId);
      if (!stored) rememberUnknown(sessionId);
      return stored;
    })().finally(() => inFlight.delete(sessionId));
    inFlight.set(sessionId, pulled);
    return pulled;
  };
}
