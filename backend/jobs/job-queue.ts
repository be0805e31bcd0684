import { messageOf } from '../../shared/index.ts';
import { sql } from 'drizzle-orm';
import {
  PgBoss,
  fromDrizzle,
  fromPglite,
  type DrizzleTransactionLike,
  type JobResult,
  type JobWithMetadata,
  type QueueOptions,
} from 'pg-boss';
import type { DatabaseHandle, Transaction } from '../db/client.ts';
import type { Logger } from '../logger.ts';

/** Every durable job, with its payload. */
export type JobPayloads = {
  'sms.send': { deliveryId: string };
  'realtime.publish': { channel: string; name: string; data: Record<string, unknown> };
  'calendar.end-event': { sessionId: string };
  'calendar.discard-event': { sessionId: string };
  'host.deliver': { eventId: string };
  'meet.space-setup': { sessionId: string };
  /** `seq`: the poll chain's position (meet_spaces.poll_seq); a job with another number is stale. */
  'meet.attendance-poll': { sessionId: string; seq: number };
  /** `confirm`: read the retired room again and restrict it again if it was reopened. */
  'meet.space-retire': { sessionId: string; confirm?: boolean };
  /** Daily, by schedule: erase customer data past CUSTOMER_DATA_RETENTION_DAYS (backend/customers/). */
  'customers.retention': Record<string, never>;
};
export type JobName = keyof JobPayloads;

/** Retry policy per job: outages delay delivery, they do not lose it. */
const QUEUES: Record<JobName, QueueOptions> = {
  'sms.send': { retryLimit: 8, retryDelay: 2, retryBackoff: true, retryDelayMax: 300, expireInSeconds: 60 },
  'realtime.publish': { retryLimit: 8, retryDelay: 1, retryBackoff: true, retryDelayMax: 120, expireInSeconds: 60 },
  'calendar.end-event': { retryLimit: 6, retryDelay: 5, retryBackoff: true, retryDelayMax: 600, expireInSeconds: 120 },
  'calendar.discard-event': { retryLimit: 6, retryDelay: 5, retryBackoff: true, retryDelayMax: 600, expireInSeconds: 120 },
  // About a day of retries (hourly at most): a host that is down for hours still gets every event.
  'host.deliver': { retryLimit: 32, retryDelay: 2, retryBackoff: true, retryDelayMax: 3600, expireInSeconds: 60 },
  // The access step answers itself within seconds (its failures are recorded, not retried): a retry is for a crash.
  'meet.space-setup': { retryLimit: 2, retryDelay: 1, expireInSeconds: 30 },
  // Each poll schedules the next one; a failed poll is retried once, then the chain goes on at the next cadence.
  // A live session always has its next poll queued: completed polls go after an hour, not pg-boss's default week.
  'meet.attendance-poll': { retryLimit: 1, retryDelay: 5, expireInSeconds: 60, deleteAfterSeconds: 3_600 },
  'meet.space-retire': { retryLimit: 6, retryDelay: 5, retryBackoff: true, retryDelayMax: 600, expireInSeconds: 60 },
  // A failed run is retried within the hour; the next day's run catches up anyway.
  'customers.retention': { retryLimit: 3, retryDelay: 300, expireInSeconds: 900 },
};

/** How many jobs of a queue one process works at once: batch size × batches in flight. */
const IN_FLIGHT: Partial<Record<JobName, { batchSize: number; concurrency: number }>> = {
  // Each Twilio call waits ~0.5 s on the network: more in flight drains a burst of escalations faster.
  'sms.send': { batchSize: 25, concurrency: 2 },
  // Each poll waits ~0.4 s on Google's two calls: 50 in flight keep up with ~100 polls/s per instance.
  'meet.attendance-poll': { batchSize: 25, concurrency: 2 },
};

export type JobContext = { attempt: number; isLastAttempt: boolean };
export type JobHandler<N extends JobName> = (data: JobPayloads[N], context: JobContext) => Promise<void>;

export type JobQueue = {
  /**
   * Queues a job inside the caller's transaction: it exists if and only if the transaction commits.
   * `startAfterSeconds` delays its first run.
   */
  enqueue<N extends JobName>(tx: Transaction, name: N, data: JobPayloads[N], options?: { startAfterSeconds?: number }): Promise<void>;
  /** Starts working a queue in this process. */
  work<N extends JobName>(name: N, handler: JobHandler<N>): Promise<void>;
  /**
   * Runs `name` on the cron expression `cron` (UTC), once per occurrence across all instances (pg-boss's
   * schedules; needs `schedule: true`). Calling it again with the same name replaces the schedule.
   */
  schedule<N extends JobName>(name: N, cron: string, data: JobPayloads[N]): Promise<void>;
  /** Wakes this process's workers now instead of at their next poll (call after a commit). */
  wake(names: JobName[]): void;
  /**
   * Stops fetching jobs and waits up to `graceMs` (default 5 s, at least 1 s) for those running here; any still
   * running then are failed back to the queue (retried per their policy, on another instance or after a restart).
   */
  stop(graceMs?: number): Promise<void>;
};

export type JobQueueOptions = {
  pollingIntervalSeconds?: number;
  /** Batches in flight per queue in this process. */
  concurrency?: number;
  /** Jobs per batch, worked concurrently. */
  batchSize?: number;
  /** Overrides every queue's first retry delay (tests shorten it). */
  retryDelaySeconds?: number;
  /** Run pg-boss's cron timekeeper in this process (instances that work jobs); off by default (CLIs). */
  schedule?: boolean;
  /**
   * Run pg-boss's maintenance (expiring, archiving, deleting jobs) in this process; on by default. A CLI that only
   * enqueues turns it off: it saves ~0.7 s of start-up, and the running instances maintain the queue.
   */
  supervise?: boolean;
};

/** Starts pg-boss on the app's database: PGlite directly, or its own pool on a real server. */
export async function startJobQueue(handle: DatabaseHandle, log: Logger, options: JobQueueOptions = {}): Promise<JobQueue> {
  const boss = handle.pglite
    ? new PgBoss({
        db: fromPglite(handle.pglite),
        backend: 'pglite',
        schedule: options.schedule ?? false,
        supervise: options.supervise ?? true,
      })
    : new PgBoss({
        connectionString: handle.url,
        max: 5,
        schedule: options.schedule ?? false,
        supervise: options.supervise ?? true,
        application_name: 'savvysolve-meet-jobs',
      });
  boss.on('error', (error) => log.error('job queue error', { error: error.message }));
  await boss.start();
  for (const [name, queueOptions] of Object.entries(QUEUES)) {
    const tuned = { ...queueOptions, ...(options.retryDelaySeconds ? { retryDelay: options.retryDelaySeconds } : {}) };
    if (await boss.getQueue(name)) await boss.updateQueue(name, tuned);
    else await boss.createQueue(name, tuned);
  }

  const workerIds = new Map<JobName, string>();

  return {
    async enqueue(tx, name, data, { startAfterSeconds } = {}) {
      // drizzle's execute() is typed `unknown`; pg-boss unwraps both drivers' result shapes.
      await boss.send(name, data, {
        db: fromDrizzle(tx as unknown as DrizzleTransactionLike, sql),
        ...(startAfterSeconds ? { startAfter: startAfterSeconds } : {}),
      });
    },
    async work(name, handler) {
      const id = await boss.work(
        name,
        {
          includeMetadata: true,
          // Batches worked concurrently, fetched back to back while they come back full: a backlog drains
          // at the speed of the outside service, not one job per polling interval.
          batchSize: options.batchSize ?? IN_FLIGHT[name]?.batchSize ?? 10,
          burstWhenBatchFull: true,
          perJobResults: true,
          localConcurrency: options.concurrency ?? IN_FLIGHT[name]?.concurrency ?? 2,
          pollingIntervalSeconds: options.pollingIntervalSeconds ?? 2,
        },
        (jobs: JobWithMetadata<JobPayloads[typeof name]>[]) =>
          Promise.all(
            jobs.map(async (job): Promise<JobResult> => {
              try {
                await handler(job.data, { attempt: job.retryCount + 1, isLastAttempt: job.retryCount >= job.retryLimit });
                return { id: job.id, status: 'completed' };
              } catch (error) {
                return { id: job.id, status: 'failed', output: { message: messageOf(error) } };
              }
            }),
          ),
      );
      workerIds.set(name, id);
    },
    async schedule(name, cron, data) {
      await boss.schedule(name, cron, data, { tz: 'UTC' });
    },
    wake(names) {
      // After the HTTP answer is written: the woken worker's first query must not delay it.
      setImmediate(() => {
        for (const name of names) {
          const id = workerIds.get(name);
          if (id) boss.notifyWorker(id);
        }
      });
    },
    async stop(graceMs = 5_000) {
      await boss.stop({ graceful: true, timeout: graceMs });
    },
  };
}
