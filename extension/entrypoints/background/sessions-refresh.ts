import type { ListSessionsResponse, SessionSummary } from '../../../shared/index.ts';

export type SessionsRefreshDeps = {
  /** `GET /api/sessions` with the solver's token. */
  load: () => Promise<ListSessionsResponse>;
  /** Every fresh list, whoever asked for it (the toolbar badge, the session cache). */
  onList: (sessions: SessionSummary[]) => void;
  /** A list fetched because sessions changed, for the extension pages to show as it is (`sessions.changed`). */
  announce: (sessions: SessionSummary[]) => void;
  /**
   * Any other list that differs from the one before (the side panel's live update, the badge's minute): the
   * session pages' buttons ask again, so the header and the panel follow the same list.
   */
  changed?: () => void;
};

type Run = { announce: boolean; result: Promise<ListSessionsResponse> };

/**
 * The solver's session list, fetched by the background for everyone: one request feeds the side panel, the badge
 * and the session cache. Asks made while a request is under way share the next one — never the one under way,
 * which may have read the sessions before the change that prompted the ask — so a burst of changes costs at most
 * two requests, and every ask is answered with a list read after it was made.
 */
export function createSessionsRefresh(deps: SessionsRefreshDeps) {
  let queued: Run | undefined;
  let previous: Promise<unknown> = Promise.resolve();
  let generation = 0;
  let lastSeen: string | undefined;

  return {
    /** A fresh list; `announce` also sends it to the extension pages (after a change made from this browser). */
    refresh({ announce = false }: { announce?: boolean } = {}): Promise<ListSessionsResponse> {
      if (!queued) {
        const run: Run = { announce: false, result: Promise.resolve({ sessions: [] }) };
        run.result = previous.then(async () => {
          // Started: an ask from now on waits for the next run.
          if (queued === run) queued = undefined;
          const startedIn = generation;
          const list = await deps.load();
          if (startedIn === generation) {
            deps.onList(list.sessions);
            const seen = JSON.stringify(list.sessions);
            const differs = lastSeen !== undefined && seen !== lastSeen;
            lastSeen = seen;
            if (run.announce) deps.announce(list.sessions);
            else if (differs) deps.changed?.();
          }
          return list;
        });
        previous = run.result.catch(() => undefined);
        queued = run;
      }
      if (announce) queued.announce = true;
      return queued.result;
    },
    /** Someone else signed in (or out): a list under way belongs to the one before, so nobody else is given it. */
    reset(): void {
      generation += 1;
      lastSeen = undefined;
    },
  };
}

export type SessionsRefresh = ReturnType<typeof createSessionsRefresh>;
