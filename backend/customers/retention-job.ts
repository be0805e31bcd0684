import type { Database } from '../db/client.ts';
import type { JobHandler, JobQueue } from '../jobs/job-queue.ts';
import type { Logger } from '../logger.ts';
import { eraseEndedBefore } from './customer-erasure.ts';

/** Every day at 03:17 UTC (off the hour, when pg-boss's own maintenance and most crons run). */
export const RETENTION_CRON = '17 3 * * *';
const DAY_MS = 24 * 60 * 60 * 1000;

export type RetentionDeps = { db: Database; retentionDays: number; log: Logger; now?: () => Date };

/** The job: erases the customer data of sessions ended more than `retentionDays` ago, and logs the counts. */
export function createRetentionWorker(deps: RetentionDeps): JobHandler<'customers.retention'> {
  return async () => {
    const cutoff = new Date((deps.now?.() ?? new Date()).getTime() - deps.retentionDays * DAY_MS);
    const erased = await eraseEndedBefore(deps.db, cutoff);
    deps.log.info('customer data past retention erased', { retentionDays: deps.retentionDays, cutoff: cutoff.toISOString(), ...erased });
  };
}

/** Works the retention job here and (re)registers its daily schedule: one run a day across every instance. */
export async function startRetention(queue: JobQueue, deps: RetentionDeps): Promise<void> {
  await queue.work('customers.retention', createRetentionWorker(deps));
  await queue.schedule('customers.retention', RETENTION_CRON, {});
}
