import { AsyncLocalStorage } from 'node:async_hooks';
import type { PGlite } from '@electric-sql/pglite';
import pLimit from 'p-limit';

const lane = new AsyncLocalStorage<'request' | 'background'>();

/** Runs `work` (an HTTP request's handling) in the request lane: its PGlite statements go straight to the engine. */
export const inRequestLane = <T>(work: () => T): T => lane.run('request', work);

/** Runs `work` (a job's handler) in the background lane, even when a request queued or woke it. */
export const inBackgroundLane = <T>(work: () => T): T => lane.run('background', work);

/**
 * Gives requests priority on embedded PGlite. PGlite runs one statement (or transaction) at a time for the whole
 * process, first come first served, so a click's queries waited behind bursts of background work — the jobs its own
 * escalations queue, pg-boss fetches — which made PGlite's click p99 several times its p50
 * (test/bench/FINDINGS.md section 8c). Here every caller outside the request lane goes in single file: at most one
 * background statement or transaction is handed to PGlite at a time, and a request's statement waits behind that one
 * at most. Background work still uses the engine fully (it runs one thing at a time anyway).
 * Wraps the instance's `query`, `exec` and `transaction` (what drizzle and pg-boss call); statements inside a
 * transaction go through its own object and are not held again.
 */
export function prioritizeRequests(pglite: PGlite): void {
  const singleFile = pLimit(1);
  const wrap = <A extends unknown[], R>(run: (...args: A) => Promise<R>) =>
    ((...args: A) => (lane.getStore() === 'request' ? run(...args) : singleFile(() => run(...args)))) as (...args: A) => Promise<R>;
  pglite.query = wrap(pglite.query.bind(pglite)) as PGlite['query'];
  pglite.exec = wrap(pglite.exec.bind(pglite));
  pglite.transaction = wrap(pglite.transaction.bind(pglite)) as PGlite['transaction'];
}
