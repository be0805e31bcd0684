import { lt, sql } from 'drizzle-orm';
import type { Database } from '../db/client.ts';
import { endedSessionIds, rateLimits, webhookReceipts } from '../db/schema.ts';
import type { Logger } from '../logger.ts';
import { TOMBSTONE_RETENTION_DAYS } from '../sessions/session-tombstones.ts';

/** How long an inbound `webhook-id` is remembered: longer than any Standard Webhooks sender retries (days). */
export const RECEIPT_RETENTION_DAYS = 7;
/** Rate-limit rows whose window ended a day ago count nothing any more. */
const RATE_LIMIT_RETENTION_HOURS = 24;
const INTERVAL_MS = 60 * 60_000;

/**
 * Deletes rows that only grow: webhook receipts past their retention, rate-limit windows long over, tombstones of
 * unknown ended sessions after 30 days. Safe on every
 * instance at once (plain deletes by age). Returns how many rows it removed.
 */
export async function cleanUp(db: Database): Promise<number> {
  const receipts = await db
    .delete(webhookReceipts)
    .where(lt(webhookReceipts.receivedAt, sql`now() - make_interval(days => ${RECEIPT_RETENTION_DAYS})`))
    .returning({ id: webhookReceipts.webhookId });
  const windows = await db
    .delete(rateLimits)
    .where(lt(rateLimits.windowStart, sql`now() - make_interval(hours => ${RATE_LIMIT_RETENTION_HOURS})`))
    .returning({ key: rateLimits.key });
  const tombstones = await db
    .delete(endedSessionIds)
    .where(lt(endedSessionIds.createdAt, sql`now() - make_interval(days => ${TOMBSTONE_RETENTION_DAYS})`))
    .returning({ id: endedSessionIds.sessionId });
  return receipts.length + windows.length + tombstones.length;
}

/** Cleans up at start and then hourly; `stop()` ends it. */
export function startHousekeeping(db: Database, log: Logger): { stop(): void } {
  const run = () =>
    void cleanUp(db)
      .then((removed) => removed > 0 && log.info('housekeeping removed old rows', { removed }))
      .catch((error: unknown) => log.warn('housekeeping failed', { error }));
  run();
  const timer = setInterval(run, INTERVAL_MS);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
