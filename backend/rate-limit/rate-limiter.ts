import { sql } from 'drizzle-orm';
import { ERROR_CODES } from '../../shared/index.ts';
import type { Database } from '../db/client.ts';
import { rateLimits } from '../db/schema.ts';
import { ApiError } from '../http/errors.ts';

export type RateLimit = { limit: number; windowSeconds: number };

export type RateLimiter = {
  /** Counts one hit for `key`; throws 429 with Retry-After when the window's limit is exceeded. */
  hit(key: string, rule: RateLimit, what: string): Promise<void>;
};

/**
 * A wait in the words a person reads: "45 seconds", "1 minute", "10 minutes", "2 hours" — rounded up, so trying
 * again after the time said always works (Retry-After keeps the exact seconds for programs).
 */
export function inHumanTime(seconds: number): string {
  const plural = (count: number, unit: string) => `${count} ${unit}${count === 1 ? '' : 's'}`;
  const whole = Math.max(1, Math.ceil(seconds));
  if (whole < 60) return plural(whole, 'second');
  const minutes = Math.ceil(whole / 60);
  if (minutes < 90) return plural(minutes, 'minute');
  return plural(Math.ceil(minutes / 60), 'hour');
}

/** Fixed windows in Postgres: one atomic upsert per hit, the same count on every instance. */
export function createRateLimiter(db: Database): RateLimiter {
  return {
    async hit(key, rule, what) {
      const window = sql`make_interval(secs => ${rule.windowSeconds})`;
      const expired = sql`${rateLimits.windowStart} <= now() - ${window}`;
      const [row] = await db
        .insert(rateLimits)
        .values({ key, windowStart: sql`now()`, count: 1 })
        .onConflictDoUpdate({
          target: rateLimits.key,
          set: {
            count: sql`case when ${expired} then 1 else ${rateLimits.count} + 1 end`,
            windowStart: sql`case when ${expired} then now() else ${rateLimits.windowStart} end`,
          },
        })
        .returning({
          count: rateLimits.count,
          retryAfter: sql<number>`ceil(extract(epoch from (${rateLimits.windowStart} + ${window} - now())))::int`,
        });
      if (row && row.count > rule.limit) {
        const retryAfter = Math.max(1, row.retryAfter);
        throw new ApiError(429, ERROR_CODES.rateLimited, `Too many ${what}; try again in ${inHumanTime(retryAfter)}.`, {
          'retry-after': String(retryAfter),
        });
      }
    },
  };
}
