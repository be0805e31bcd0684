import { sql } from 'drizzle-orm';
import { PgBoss, fromDrizzle, fromPglite, type DrizzleTransactionLike, type JobWithMetadata, type QueueOptions } from 'pg-boss';
import type { DatabaseHandle, Transaction } from '../db/client.ts';
import type { Logger } from '../logger.ts';

/** Every durable job, with its payload. */
export type JobPayloads = {
  'sms.send': { deliveryId: string };
  'realtime.publish': { channel: string; name: string; data: Record<string, unknown> };
  'calendar.end-event': { sessionId: string };
};
export type JobName = keyof JobPayloads;

/** Retry policy per job: outages delay delivery, they do not lose it. */
const QUEUES: Record<JobName, QueueOptions> = {
  'sms.send': { retryLimit: 8, retryDelay: 2, retryBackoff: true, retryDelayMax: 300, expireInSeconds: 60 },
  'realtime.publish': { retryLimit: 8, retryDelay: 1, retryBackoff: true, retryDelayMax: 120, expireInSeconds: 60 },
  'calendar.end-event': { retryLimit: 6, retryDelay: 5, retryBackoff: true, retryDelayMax: 600, expireInSeconds: 120 },
};

export type JobContext = { attempt: number; isLastAttempt: boolean };
export type JobHandler<N extends JobName> = (data: JobPayloads[N], context: JobContext) => Promise<void>;

export type JobQueue = {
  /** Queues a job inside the caller's transaction: it exists if and only if the transaction commits. */
  enqueue<N extends JobName>(tx: Transaction, name: N, data: JobPayloads[N]): Promise<void>;
  /** Starts working a queue in this process. */
  work<N extends JobName>(name: N, handler: JobHandler<N>): Promise<void>;
  /** Wakes this process's workers now instead of at their next poll (call after a commit). */
  wake(names: JobName[]): void;
  stop(): Promise<void>;
};

export type JobQueueOptions = {
  pollingIntervalSeconds?: number;
  concurrency?: number;
  /** Overrides every queue's first retry delay (tests shorten it). */
  retryDelaySeconds?: number;
};

/** Starts pg-boss on the app's database: PGlite directly, or its own pool on a real server. */
export async function startJobQueue(handle: DatabaseHandle, log: Logger, options: JobQueueOptions = {}): Promise<JobQueue> {
  const boss = handle.pglite
    ? new PgBoss({ db: fromPglite(handle.pglite), backend: 'pglite', schedule: false })
    : new PgBoss({ connectionString: handle.url, max: 5, schedule: false, application_name: 'savvysolve-meet-jobs' });
  boss.on('error', (error) => log.error('job queue error', { error: error.message }));
  await boss.start();
  for (const [name, queueOptions] of Object.entries(QUEUES)) {
    const tuned = { ...queueOptions, ...(options.retryDelaySeconds ? { retryDelay: options.retryDelaySeconds } : {}) };
    if (await boss.getQueue(name)) await boss.updateQueue(name, tuned);
    else await boss.createQueue(name, tuned);
  }

  const workerIds = new Map<JobName, string>();

  return {
    async enqueue(tx, name, data) {
      // drizzle's execute() is typed `unknown`; pg-boss unwraps both drivers' result shapes.
      await boss.send(name, data, { db: fromDrizzle(tx as unknown as DrizzleTransactionLike, sql) });
    },
    async work(name, handler) {
      const id = await boss.work(
        name,
        {
          includeMetadata: true,
          batchSize: 1,
          localConcurrency: options.concurrency ?? 4,
          pollingIntervalSeconds: options.pollingIntervalSeconds ?? 2,
        },
        async (jobs: JobWithMetadata<JobPayloads[typeof name]>[]) => {
          for (const job of jobs) {
            await handler(job.data, { attempt: job.retryCount + 1, isLastAttempt: job.retryCount >= job.retryLimit });
          }
        },
      );
      workerIds.set(name, id);
    },
    wake(names) {
      for (const name of names) {
        const id = workerIds.get(name);
        if (id) boss.notifyWorker(id);
      }
    },
    async stop() {
      await boss.stop({ graceful: true, timeout: 5_000 });
    },
  };
}
