import type { SessionSummary } from '../../../shared/index.ts';

/** How long the background remembers one session's answer: the button asks on load and again every 30 s. */
export const SESSION_CACHE_TTL_MS = 15_000;
/** Enough for every tab a solver keeps open; older answers go first. */
const MAX_ENTRIES = 200;

export type SessionCacheDeps = {
  /** `GET /api/sessions/:id` with the solver's token: the session, or `null` when it is not theirs. */
  load: (sessionId: string) => Promise<SessionSummary | null>;
  ttlMs?: number;
  now?: () => number;
};

/**
 * One session per id, remembered briefly so a page's ownership check, the button's first read and several tabs
 * on one session cost one backend request. Asks already under way are shared; failures are not remembered.
 * `clear()` when sessions change or someone else signs in: the answers belong to one solver.
 */
export function createSessionCache(deps: SessionCacheDeps) {
  const ttlMs = deps.ttlMs ?? SESSION_CACHE_TTL_MS;
  const now = deps.now ?? Date.now;
  const entries = new Map<string, { at: number; value: Promise<SessionSummary | null> }>();

  function prune() {
    for (const [id, entry] of entries) if (now() - entry.at >= ttlMs) entries.delete(id);
    while (entries.size >= MAX_ENTRIES) entries.delete(entries.keys().next().value!);
  }

  return {
    get(sessionId: string): Promise<SessionSummary | null> {
      const cached = entries.get(sessionId);
      if (cached && now() - cached.at < ttlMs) return cached.value;
      prune();
      const entry = { at: now(), value: deps.load(sessionId) };
      entries.set(sessionId, entry);
      entry.value.catch(() => {
        if (entries.get(sessionId) === entry) entries.delete(sessionId);
      });
      return entry.value;
    },
    /** Sessions read with the solver's list: a page's button asking next is answered without a request. */
    remember(sessions: readonly SessionSummary[]): void {
      prune();
      for (const session of sessions) {
        entries.delete(session.id);
        if (entries.size >= MAX_ENTRIES) entries.delete(entries.keys().next().value!);
        entries.set(session.id, { at: now(), value: Promise.resolve(session) });
      }
    },
    clear(): void {
      entries.clear();
    },
  };
}

export type SessionCache = ReturnType<typeof createSessionCache>;
