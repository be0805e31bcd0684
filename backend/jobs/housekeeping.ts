import { and, inArray, lt, sql } from 'drizzle-orm';
import type { Database } from '../db/client.ts';
import { endedSessionIds, meetConferenceRecords, meetEventSubscriptions, rateLimits, webhookReceipts } from '../db/schema.ts';
import type { Logger } from '../logger.ts';
import { TOMBSTONE_RETENTION_DAYS } from '../sessions/session-tombstones.ts';

/** How long an inbound `webhook-id` is remembered: longer than any Standard Webhooks sender retries (days). */
export const RECEIPT_RETENTION_DAYS = 7;
/** Rate-limit rows whose window ended a day ago count nothing any more. */
const RATE_LIMIT_RETENTION_HOURS = 24;
/**
 * Meet events state outlives its call by a week (days): a conference record last read 7 days ago, and a subscription
 * deleted or expired 7 days ago, belong to a session polled for 4 hours at most, and Pub/Sub keeps an undelivered
 * message 7 days at most (a later event for the record is resolved again from Google, and its session has ended).
 */
export const MEET_EVENTS_RETENTION_DAYS = 7;
const INTERVAL_MS = 60 * 60_000;

/**
 * Deletes rows that only grow: webhook receipts past their retention, rate-limit windows long over, tombstones of
 * unknown ended sessions after 30 days, Meet conference records and ended Meet events subscriptions after 7. Safe on every
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
  const records = await db
    .delete(meetConferenceRecords)
    .where(lt(meetConferenceRecords.readAt, sql`now() - make_interval(days => ${MEET_EVENTS_RETENTION_DAYS})`))
    .returning({ name: meetConferenceRecords.name });
  const subscriptions = await db
    .delete(meetEventSubscriptions)
    .where(
      and(
        inArray(meetEventSubscriptions.state, ['deleted', 'expired']),
        lt(meetEventSubscriptions.updatedAt, sql`now() - make_interval(days => ${MEET_EVENTS_RETENTION_DAYS})`),
      ),
    )
    .returning({ target: meetEventSubscriptions.targetResource });
  return receipts.length + windows.length + tombstones.length + records.length + subscriptions.length;
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
