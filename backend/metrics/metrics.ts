import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** How an escalation (POST /api/meet/links) ended: the label values of savvysolve_meet_escalations_total. */
export type EscalationOutcome = 'calendar' | 'fallback' | 'existing' | 'refused' | 'error';
/** A customer SMS's final state. */
export type SmsOutcome = 'delivered' | 'undelivered' | 'failed';
/** The services the backend calls: the label values of the outbound series. */
export type OutboundService = 'google' | 'twilio' | 'ably' | 'savvysolve';
/** The queue depths read from the database (pg-boss's tables), shared by every instance. */
export type JobCounts = { queue: string; waiting: number; active: number; failed: number; oldestWaitingSeconds: number }[];

export type MetricsOptions = {
  /** Reads the queue depths at scrape time; without it the job gauges are absent. */
  jobCounts?: () => Promise<JobCounts>;
};

/** Seconds; a click answers in well under a second normally, the Calendar retry budget can take ~10 s. */
const LINK_BUCKETS = [0.1, 0.25, 0.5, 1, 2, 3, 5, 8, 13, 20, 30];
/** Seconds from the link to the customer in the call: minutes, with a tail past an hour. */
const JOIN_BUCKETS = [15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200];
const OUTBOUND_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10];

/**
 * This process's Prometheus metrics (one registry per backend, so two backends in one test process count apart).
 * Counters and histograms count what this process decided; the `savvysolve_meet_jobs*` gauges are read from the
 * database at scrape time, so every instance reports the same queue depths (aggregate them with max, not sum).
 */
export function createMetrics(options: MetricsOptions = {}) {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const registers = [registry];

  const escalations = new Counter({
    name: 'savvysolve_meet_escalations_total',
    help: 'Escalation clicks answered by this process, by outcome: calendar (a new link), fallback (meet.google.com/new), existing (the session already had one), refused (4xx), error (5xx).',
    labelNames: ['outcome'] as const,
    registers,
  });
  const linkSeconds = new Histogram({
    name: 'savvysolve_meet_link_seconds',
    help: 'Seconds from the click (POST /api/meet/links received) to its answer, for clicks answered with a link.',
    buckets: LINK_BUCKETS,
    registers,
  });
  const sms = new Counter({
    name: 'savvysolve_meet_sms_total',
    help: 'Customer SMS that reached a final state in this process, by status and error class (none when delivered).',
    labelNames: ['status', 'error_class'] as const,
    registers,
  });
  const customerJoinSeconds = new Histogram({
    name: 'savvysolve_meet_customer_join_seconds',
    help: "Seconds from the session's Meet link to the customer joining the call (seen by this process's attendance poll).",
    buckets: JOIN_BUCKETS,
    registers,
  });
  const outboundRequests = new Counter({
    name: 'savvysolve_meet_outbound_requests_total',
    help: 'HTTP requests this process made to an outside service, by service and HTTP status (error: no answer).',
    labelNames: ['service', 'status'] as const,
    registers,
  });
  const outboundSeconds = new Histogram({
    name: 'savvysolve_meet_outbound_seconds',
    help: 'Seconds each outbound HTTP request took, answered or not, by service.',
    labelNames: ['service'] as const,
    buckets: OUTBOUND_BUCKETS,
    registers,
  });
  const jobFailures = new Counter({
    name: 'savvysolve_meet_job_failures_total',
    help: 'Failed job attempts in this process, by queue (each retry that fails counts again).',
    labelNames: ['queue'] as const,
    registers,
  });

  if (options.jobCounts) {
    const read = options.jobCounts;
    // One database read per scrape feeds both gauges.
    let pending: Promise<JobCounts> | undefined;
    // A database that does not answer leaves the gauges out of this scrape; the scrape itself still answers
    // (savvysolve_meet_ready says why).
    const counts = () =>
      (pending ??= read()
        .catch((): JobCounts => [])
        .finally(() => {
          pending = undefined;
        }));
    new Gauge({
      name: 'savvysolve_meet_jobs',
      help: 'Jobs per queue and state, read from the database at scrape time (the same on every instance): waiting (queued or waiting for a retry), active (being worked), failed (retries exhausted, in the dead-letter queue).',
      labelNames: ['queue', 'state'] as const,
      registers,
      async collect() {
        this.reset();
        for (const row of await counts()) {
          this.set({ queue: row.queue, state: 'waiting' }, row.waiting);
          this.set({ queue: row.queue, state: 'active' }, row.active);
          this.set({ queue: row.queue, state: 'failed' }, row.failed);
        }
      },
    });
    new Gauge({
      name: 'savvysolve_meet_jobs_oldest_waiting_seconds',
      help: 'Seconds the oldest runnable job of each queue has waited past its start time, read from the database at scrape time (the same on every instance).',
      labelNames: ['queue'] as const,
      registers,
      async collect() {
        this.reset();
        for (const row of await counts()) this.set({ queue: row.queue }, row.oldestWaitingSeconds);
      },
    });
  }

  return {
    registry,
    /** Adds `savvysolve_meet_ready`: 1 when `isReady` (what GET /health/ready checks) holds at scrape time, else 0. */
    trackReadiness(isReady: () => Promise<boolean>) {
      new Gauge({
        name: 'savvysolve_meet_ready',
        help: 'Whether this instance is ready (GET /health/ready answers 200): database reachable, migrations applied, job queue started.',
        registers,
        async collect() {
          this.set((await isReady()) ? 1 : 0);
        },
      });
    },
    escalations,
    linkSeconds,
    sms,
    customerJoinSeconds,
    outboundRequests,
    outboundSeconds,
    jobFailures,
    /**
     * Counts one outbound request: `status` is the HTTP status, or undefined when no answer came (timeout, refused).
     * Call it once per request, from the one place each adapter sends from.
     */
    outbound(service: OutboundService, status: number | undefined, seconds: number) {
      outboundRequests.inc({ service, status: status === undefined ? 'error' : String(status) });
      outboundSeconds.observe({ service }, seconds);
    },
  };
}

export type Metrics = ReturnType<typeof createMetrics>;

/**
 * A fetch that counts each request in `savvysolve_meet_outbound_*` under `service`; without metrics, `fetch` itself.
 * For adapters that talk HTTP through fetch (Google's auth transporter, the SavvySolve app).
 */
export function countedFetch(service: OutboundService, metrics: Metrics | undefined, inner: typeof fetch = fetch): typeof fetch {
  if (!metrics) return inner;
  return async (input, init) => {
    const started = performance.now();
    try {
      const response = await inner(input, init);
      metrics.outbound(service, response.status, (performance.now() - started) / 1000);
      return response;
    } catch (error) {
      metrics.outbound(service, undefined, (performance.now() - started) / 1000);
      throw error;
    }
  };
}

/**
 * Runs one call of an SDK that does not take a fetch (Twilio, Ably) and counts it; `statusOf` reads the HTTP
 * status from the SDK's error (undefined: no answer). A success counts as `successStatus`.
 */
export async function countedCall<T>(
  service: OutboundService,
  metrics: Metrics | undefined,
  call: () => Promise<T>,
  statusOf: (error: unknown) => number | undefined,
  successStatus = 200,
): Promise<T> {
  if (!metrics) return call();
  const started = performance.now();
  try {
    const result = await call();
    metrics.outbound(service, successStatus, (performance.now() - started) / 1000);
    return result;
  } catch (error) {
    metrics.outbound(service, statusOf(error), (performance.now() - started) / 1000);
    throw error;
  }
}
