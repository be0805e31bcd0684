import { messageOf } from '../../shared/index.ts';
import { sql } from 'drizzle-orm';
import {
  PgBoss,
  fromDrizzle,
  fromPglite,
  type DrizzleTransactionLike,
  type JobResult,
  type JobWithMetadata,
  type Queue,
  type QueueOptions,
} from 'pg-boss';
import { rowsOf, type Database, type DatabaseHandle, type Transaction } from '../db/client.ts';
import { inBackgroundLane } from '../db/request-lane.ts';
import type { Logger } from '../logger.ts';
import type { JobCounts, Metrics } from '../metrics/metrics.ts';
import { inSpan } from '../tracing/tracing.ts';

/** Every durable job, with its payload. */
export type JobPayloads = {
  'sms.send': { deliveryId: string };
  /**
   * `id`: Ably's message id, chosen when the message is queued, so a retry after a crash is the same message to Ably
   * (idempotent publishing, deduplicated within Ably's 2-minute window). Jobs queued before ids existed have none.
   */
  'realtime.publish': { channel: string; name: string; data: Record<string, unknown>; id?: string };
  /** `clientId`: the solver's realtime client id (their channel name). */
  'realtime.revoke-tokens': { clientId: string };
  'calendar.end-event': { sessionId: string };
  'calendar.discard-event': { sessionId: string };
  'host.deliver': { eventId: string };
  'meet.space-setup': { sessionId: string };
  /** `seq`: the poll chain's position (meet_spaces.poll_seq); a job with another number is stale. */
  'meet.attendance-poll': { sessionId: string; seq: number };
  /** `confirm`: read the retired room again and restrict it again if it was reopened. */
  'meet.space-retire': { sessionId: string; confirm?: boolean };
  /** MEET_ATTENDANCE_SOURCE=events: delete `spaces/{id}`'s Workspace Events subscription (its session has ended). */
  'meet.events-unsubscribe': { spaceName: string };
  /** Daily, by schedule: erase customer data past CUSTOMER_DATA_RETENTION_DAYS (backend/customers/). */
  'customers.retention': Record<string, never>;
};
export type JobName = keyof JobPayloads;

/**
 * Where a job goes when its last attempt fails (pg-boss `deadLetter`): one queue for every job, no worker, so it
 * waits there, with the queue it came from and its last error, until an admin retries it.
 */
export const DEAD_LETTER_QUEUE = 'jobs.dead-letter';
/** Dead letters are kept 30 days: long enough for an admin to notice, retry or decide to drop them. */
const DEAD_LETTER_RETENTION_SECONDS = 30 * 24 * 3_600;

/** Retry policy per job: outages delay delivery, they do not lose it. */
const QUEUES: Record<JobName, QueueOptions> = {
  'sms.send': { retryLimit: 8, retryDelay: 2, retryBackoff: true, retryDelayMax: 300, expireInSeconds: 60 },
  // A publish times out in 10 s: expiring at 30 s brings a crashed instance's publish back well inside Ably's 2-minute
  // idempotency window, so its retry (same message id) is dropped by Ably if the first one had arrived.
  'realtime.publish': { retryLimit: 8, retryDelay: 1, retryBackoff: true, retryDelayMax: 120, expireInSeconds: 30 },
  // Past ~10 minutes a revocation changes nothing: the tokens have expired and their renewal is refused.
  'realtime.revoke-tokens': { retryLimit: 6, retryDelay: 1, retryBackoff: true, retryDelayMax: 120, expireInSeconds: 30 },
  // A Calendar call times out in seconds: a job still active after a minute was on an instance that died.
  'calendar.end-event': { retryLimit: 6, retryDelay: 5, retryBackoff: true, retryDelayMax: 600, expireInSeconds: 60 },
  'calendar.discard-event': { retryLimit: 6, retryDelay: 5, retryBackoff: true, retryDelayMax: 600, expireInSeconds: 60 },
  // About a day of retries (hourly at most): a host that is down for hours still gets every event.
  'host.deliver': { retryLimit: 32, retryDelay: 2, retryBackoff: true, retryDelayMax: 3600, expireInSeconds: 60 },
  // The access step answers itself within seconds (its failures are recorded, not retried): a retry is for a crash.
  'meet.space-setup': { retryLimit: 2, retryDelay: 1, expireInSeconds: 30 },
  // Each poll schedules the next one; a failed poll is retried once, then the chain goes on at the next cadence.
  // A live session always has its next poll queued: completed polls go after an hour, not pg-boss's default week.
  'meet.attendance-poll': { retryLimit: 1, retryDelay: 5, expireInSeconds: 60, deleteAfterSeconds: 3_600 },
  'meet.space-retire': { retryLimit: 6, retryDelay: 5, retryBackoff: true, retryDelayMax: 600, expireInSeconds: 60 },
  'meet.events-unsubscribe': { retryLimit: 6, retryDelay: 5, retryBackoff: true, retryDelayMax: 600, expireInSeconds: 60 },
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

/** A job that exhausted its retries, waiting in the dead-letter queue. */
export type DeadLetter = {
  /** Its id in the dead-letter queue (what `retryDeadLetter` takes). */
  id: string;
  /** The queue it failed on. */
  queue: string;
  data: unknown;
  /** Attempts made before it was given up. */
  attempts: number;
  /** The last attempt's error message, when the handler threw one. */
  reason: string | null;
  /** When it was first queued, and when it reached the dead-letter queue. */
  createdAt: Date;
  failedAt: Date;
};
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

/** The dead-letter queue, for the admin. */
export type DeadLetters = {
  /** Jobs that exhausted their retries, oldest first (at most `limit`, default 100). */
  list(limit?: number): Promise<DeadLetter[]>;
  /**
   * Queues a dead letter again on the queue it came from, with that queue's full retry policy; it leaves the
   * dead-letter queue. Resolves with that queue's name, or undefined when no dead letter has this id.
   */
  retry(id: string): Promise<string | undefined>;
};

export type JobQueueOptions = {
  pollingIntervalSeconds?: number;
  /** Batches in flight per queue in this process. */
  concurrency?: number;
  /** Jobs per batch, worked concurrently. */
  batchSize?: number;
  /** Overrides every queue's first retry delay, 0 for at once (tests shorten it). */
  retryDelaySeconds?: number;
  /** Counts failed attempts in savvysolve_meet_job_failures_total. */
  metrics?: Metrics;
  /**
   * OpenTelemetry on: pg-boss stores the trace context of each send on the job and processes a job (a batch of
   * one) in that trace; a larger batch links to each job's send. Off: no spans, no context stored.
   */
  tracing?: boolean;
  /** Run pg-boss's cron timekeeper in this process (instances that work jobs); off by default (CLIs). */
  schedule?: boolean;
  /**
   * Run pg-boss's maintenance (expiring, archiving, deleting jobs) in this process; on by default. A CLI that only
   * enqueues turns it off: it saves ~0.7 s of start-up, and the running instances maintain the queue.
   */
  supervise?: boolean;
  /**
   * Record this process in pg-boss's instance registry (`pgboss.instance`, what `getInstances()` reads); on by
   * default. A CLI that only enqueues turns it off: it is no instance that works jobs, and registering (a row, a
   * crash-restart count, pruning) cost ~0.15 s of its start on PGlite.
   */
  registerInstance?: boolean;
};

/**
 * How often pg-boss looks for jobs an instance that died left active (past their expireInSeconds) and gives them
 * back to the queue. Its default, 60 s, added up to a minute to every crash's delay (the soak's SIGKILL left a
 * Calendar end and a retirement undone past its 90 s drain).
 */
const SUPERVISE_INTERVAL_SECONDS = 10;

/** Starts pg-boss on the app's database: PGlite directly, or its own pool on a real server. */
export async function startJobQueue(
  handle: DatabaseHandle,
  log: Logger,
  options: JobQueueOptions = {},
): Promise<JobQueue & { deadLetters: DeadLetters; isRunning(): boolean }> {
  const openTelemetry = options.tracing ? { propagateContext: true } : { enabled: false };
  const boss = handle.pglite
    ? new PgBoss({
        db: fromPglite(handle.pglite),
        backend: 'pglite',
        schedule: options.schedule ?? false,
        supervise: options.supervise ?? true,
        superviseIntervalSeconds: SUPERVISE_INTERVAL_SECONDS,
        registerInstance: options.registerInstance ?? true,
        openTelemetry,
      })
    : new PgBoss({
        connectionString: handle.url,
        max: 5,
        schedule: options.schedule ?? false,
        supervise: options.supervise ?? true,
        superviseIntervalSeconds: SUPERVISE_INTERVAL_SECONDS,
        registerInstance: options.registerInstance ?? true,
        application_name: 'savvysolve-meet-jobs',
        openTelemetry,
      });
  boss.on('error', (error) => log.error('job queue error', { error: error.message }));
  await boss.start();
  const deadLetterQueue: QueueOptions = { retryLimit: 0, deleteAfterSeconds: DEAD_LETTER_RETENTION_SECONDS };
  // One read of every queue, then a write only where a queue is missing or its options changed.
  const existing = new Map((await boss.getQueues([DEAD_LETTER_QUEUE, ...Object.keys(QUEUES)])).map((queue) => [queue.name, queue]));
  await upsertQueue(boss, existing.get(DEAD_LETTER_QUEUE), DEAD_LETTER_QUEUE, deadLetterQueue);
  for (const [name, queueOptions] of Object.entries(QUEUES)) {
    const tuned = { ...queueOptions, ...(options.retryDelaySeconds !== undefined ? { retryDelay: options.retryDelaySeconds } : {}) };
    await upsertQueue(boss, existing.get(name), name, { ...tuned, deadLetter: DEAD_LETTER_QUEUE });
  }

  const workerIds = new Map<JobName, string>();
  let running = true;

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
              const timedOut = job.retryCount > 0 ? timeoutOf(job.output) : undefined;
              if (timedOut) {
                // pg-boss failed the previous attempt itself (no handler of ours saw it): say so now, once.
                options.metrics?.jobFailures.inc({ queue: name });
                const fields = { queue: name, jobId: job.id, attempt: job.retryCount, attempts: job.retryLimit + 1, reason: timedOut };
                log.warn('job attempt timed out (its instance stopped, or it ran past its expiry): it is being retried', fields);
              }
              try {
                const context = { attempt: job.retryCount + 1, isLastAttempt: job.retryCount >= job.retryLimit };
                await inSpan(`job ${name}`, { 'messaging.message.id': job.id, 'pgboss.job.retry_count': job.retryCount }, () =>
                  inBackgroundLane(() => handler(job.data, context)),
                );
                return { id: job.id, status: 'completed' };
              } catch (error) {
                const attempt = job.retryCount + 1;
                options.metrics?.jobFailures.inc({ queue: name });
                const fields = { queue: name, jobId: job.id, attempt, attempts: job.retryLimit + 1, reason: messageOf(error) };
                if (job.retryCount >= job.retryLimit) log.error('job failed for the last time: moved to the dead-letter queue', fields);
                else log.warn('job attempt failed: it will be retried', fields);
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
      setImmediate(() =>
        inBackgroundLane(() => {
          for (const name of names) {
            const id = workerIds.get(name);
            if (id) boss.notifyWorker(id);
          }
        }),
      );
    },
    deadLetters: {
      async list(limit = 100) {
        const jobs = await boss.findJobs(DEAD_LETTER_QUEUE, { queued: true, limit });
        return jobs.map((job) => ({
          id: job.id,
          queue: job.sourceName ?? 'unknown',
          data: job.data,
          attempts: (job.sourceRetryCount ?? 0) + 1,
          reason: reasonOf(job.sourceOutput),
          createdAt: job.sourceCreatedOn ?? job.createdOn,
          failedAt: job.createdOn,
        }));
      },
      async retry(id) {
        const [job] = await boss.findJobs(DEAD_LETTER_QUEUE, { id, queued: true });
        if (!job?.sourceName) return undefined;
        const moved = await boss.redrive(DEAD_LETTER_QUEUE, { ids: [id] });
        if (moved === 0) return undefined;
        const worker = workerIds.get(job.sourceName as JobName);
        if (worker) boss.notifyWorker(worker);
        return job.sourceName;
      },
    },
    isRunning: () => running,
    async stop(graceMs = 5_000) {
      running = false;
      await boss.stop({ graceful: true, timeout: graceMs });
    },
  };
}

/**
 * Creates queue `name` with `options`, or updates `current` (its stored row) where an option differs; an unchanged
 * queue costs no write. An option left out is left as stored, as pg-boss's updateQueue does.
 */
async function upsertQueue(boss: PgBoss, current: Queue | undefined, name: string, options: QueueOptions & { deadLetter?: string }) {
  if (!current) await boss.createQueue(name, options);
  else if (Object.entries(options).some(([key, value]) => current[key as keyof Queue] !== value)) await boss.updateQueue(name, options);
}

/**
 * The reasons pg-boss's supervisor stores when it fails an attempt no worker finished: active past the queue's
 * `expireInSeconds` (usually the instance died), or a lost heartbeat. Our handler wrapper never stores these.
 */
const PG_BOSS_TIMEOUTS = new Set(['job timed out', 'job heartbeat timeout']);
const timeoutOf = (output: unknown) => {
  const reason = reasonOf(output);
  return reason && PG_BOSS_TIMEOUTS.has(reason) ? reason : undefined;
};

/** The `{ message }` our handler wrapper stores as a failed job's output. */
const reasonOf = (output: unknown) =>
  output && typeof output === 'object' && typeof (output as { message?: unknown }).message === 'string'
    ? (output as { message: string }).message
    : null;

/**
 * Jobs per queue in pg-boss's tables, for the savvysolve_meet_jobs gauges: waiting (created, or retry waiting out
 * its backoff), active, failed (in the dead-letter queue, under the queue it failed on), and how long the oldest
 * runnable job has waited past its start time (0 when none waits).
 */
export async function readJobCounts(db: Database): Promise<JobCounts> {
  const rows = rowsOf<{ queue: string; waiting: number; active: number; failed: number; oldest: number }>(
    await db.execute(sql`
      select queue, sum(waiting)::int as waiting, sum(active)::int as active, sum(failed)::int as failed,
             coalesce(max(oldest), 0)::float8 as oldest
      from (
        select name as queue,
               count(*) filter (where state in ('created', 'retry')) as waiting,
               count(*) filter (where state = 'active') as active,
               0 as failed,
               extract(epoch from now() - min(start_after) filter (where state in ('created', 'retry') and start_after <= now())) as oldest
        from pgboss.job where name <> ${DEAD_LETTER_QUEUE} and state in ('created', 'retry', 'active') group by name
        union all
        select source_name, 0, 0, count(*), null
        from pgboss.job where name = ${DEAD_LETTER_QUEUE} and state in ('created', 'retry') and source_name is not null group by source_name
      ) as counts
      group by queue`),
  );
  const known = new Map(rows.map((row) => [row.queue, row]));
  // Every queue appears, so a quiet queue reads 0 rather than vanishing from Prometheus.
  return Object.keys(QUEUES).map((queue) => {
    const row = known.get(queue);
    return {
      queue,
      waiting: row?.waiting ?? 0,
      active: row?.active ?? 0,
      failed: row?.failed ?? 0,
      oldestWaitingSeconds: row?.oldest ?? 0,
    };
  });
}
