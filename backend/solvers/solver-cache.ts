import type { Queryable } from '../db/client.ts';
import { findSolverById, type SolverRow } from './solver-store.ts';

export type SolverCache = {
  get(id: string): Promise<SolverRow | undefined>;
  /** Forget a solver now (this instance changed it). */
  evict(id: string): void;
};

/**
 * Solvers read for authentication, kept for a moment: every API call needs its solver, and a database read per
 * call costs more than the rest of the request. A change made on this instance applies at once (evicted); one
 * made elsewhere (another instance, the admin CLI, SQL) within `ttlMs`.
 */
export function createSolverCache(db: Queryable, { ttlMs = 1_000, max = 10_000, now = () => Date.now() } = {}): SolverCache {
  const entries = new Map<string, { row: SolverRow | undefined; until: number }>();
  return {
    async get(id) {
      const entry = entries.get(id);
      if (entry && entry.until > now()) return entry.row;
      const row = await findSolverById(db, id);
      if (entries.size >= max) entries.delete(entries.keys().next().value!);
      entries.set(id, { row, until: now() + ttlMs });
      return row;
    },
    evict: (id) => void entries.delete(id),
  };
}
