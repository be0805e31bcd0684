import { createServer } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseHandle } from '../db/client.ts';
import { createErrorHandler } from '../http/errors.ts';
import { readJobCounts, startJobQueue, type JobQueue } from '../jobs/job-queue.ts';
import { createMemoryLogger } from '../logger.ts';
import { countedCall, countedFetch, createMetrics } from './metrics.ts';
import { createMetricsRoutes } from './routes.ts';
import { openMemoryPglite } from '../../test/support/pglite-template.ts';

const TOKEN = 'metrics-token-for-tests-0123456789';
const routesWith = (token: string | undefined, metrics = createMetrics()) => {
  const app = createMetricsRoutes(metrics, token);
  app.onError(createErrorHandler(createMemoryLogger().logger));
  return app;
};
const sample = (text: string, series: string) =>
  Number(
    text
      .split('\n')
      .find((line) => line.startsWith(`${series} `))
      ?.split(' ')[1],
  );

describe('GET /metrics', () => {
  it('does not exist without METRICS_TOKEN', async () => {
    const response = await routesWith(undefined).request('/', { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(response.status).toBe(404);
  });

  it('refuses a missing or wrong bearer token with 401', async () => {
    const app = routesWith(TOKEN);
    expect((await app.request('/')).status).toBe(401);
    expect((await app.request('/', { headers: { authorization: 'Bearer wrong-token' } })).status).toBe(401);
  });

  it('answers the Prometheus text format with every series and the process metrics', async () => {
    const metrics = createMetrics();
    metrics.escalations.inc({ outcome: 'calendar' });
    metrics.linkSeconds.observe(0.3);
    metrics.sms.inc({ status: 'failed', error_class: 'opted_out' });
    metrics.customerJoinSeconds.observe(42);
    metrics.outbound('twilio', 201, 0.2);
    metrics.jobFailures.inc({ queue: 'sms.send' });
    const response = await routesWith(TOKEN, metrics).request('/', { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await response.text();
    expect(sample(text, 'savvysolve_meet_escalations_total{outcome="calendar"}')).toBe(1);
    expect(sample(text, 'savvysolve_meet_link_seconds_count')).toBe(1);
    expect(sample(text, 'savvysolve_meet_link_seconds_bucket{le="0.5"}')).toBe(1);
    expect(sample(text, 'savvysolve_meet_sms_total{status="failed",error_class="opted_out"}')).toBe(1);
    expect(sample(text, 'savvysolve_meet_customer_join_seconds_sum')).toBe(42);
    expect(sample(text, 'savvysolve_meet_outbound_requests_total{service="twilio",status="201"}')).toBe(1);
    expect(sample(text, 'savvysolve_meet_outbound_seconds_count{service="twilio"}')).toBe(1);
    expect(sample(text, 'savvysolve_meet_job_failures_total{queue="sms.send"}')).toBe(1);
    expect(text).toContain('process_cpu_seconds_total');
    expect(text).toContain('nodejs_eventloop_lag_seconds');
  });

  it('keeps two backends in one process apart', async () => {
    const [a, b] = [createMetrics(), createMetrics()];
    a.escalations.inc({ outcome: 'fallback' });
    expect((await a.escalations.get()).values).toHaveLength(1);
    expect((await b.escalations.get()).values).toHaveLength(0);
  });
});

describe('outbound counting', () => {
  let url: string;
  const server = createServer((request, response) => {
    response.statusCode = request.url === '/down' ? 503 : 200;
    response.end('ok');
  });
  beforeAll(() => new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve())));
  beforeAll(() => {
    url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('counts each fetch by the status it answered, and a request that got no answer as error', async () => {
    const metrics = createMetrics();
    const counted = countedFetch('savvysolve', metrics);
    await (await counted(`${url}/up`)).text();
    await (await counted(`${url}/down`)).text();
    await expect(counted('http://127.0.0.1:1/refused')).rejects.toThrow();
    const text = await metrics.registry.metrics();
    expect(sample(text, 'savvysolve_meet_outbound_requests_total{service="savvysolve",status="200"}')).toBe(1);
    expect(sample(text, 'savvysolve_meet_outbound_requests_total{service="savvysolve",status="503"}')).toBe(1);
    expect(sample(text, 'savvysolve_meet_outbound_requests_total{service="savvysolve",status="error"}')).toBe(1);
    expect(sample(text, 'savvysolve_meet_outbound_seconds_count{service="savvysolve"}')).toBe(3);
  });

  it('counts an SDK call by the status its error carries', async () => {
    const metrics = createMetrics();
    await countedCall(
      'ably',
      metrics,
      async () => 'ok',
      () => undefined,
      201,
    );
    await expect(
      countedCall(
        'ably',
        metrics,
        () => Promise.reject(Object.assign(new Error('no'), { statusCode: 429 })),
        (e) => (e as { statusCode: number }).statusCode,
      ),
    ).rejects.toThrow('no');
    const text = await metrics.registry.metrics();
    expect(sample(text, 'savvysolve_meet_outbound_requests_total{service="ably",status="201"}')).toBe(1);
    expect(sample(text, 'savvysolve_meet_outbound_requests_total{service="ably",status="429"}')).toBe(1);
  });
});

describe('queue gauges from the database', () => {
  let database: DatabaseHandle;
  let queue: JobQueue;
  beforeAll(async () => {
    database = await openMemoryPglite();
    queue = await startJobQueue(database, createMemoryLogger().logger);
  });
  afterAll(async () => {
    await queue?.stop();
    await database?.close();
  });

  it('reports every queue, counting waiting jobs that no worker has taken', async () => {
    await database.db.transaction(async (tx) => {
      await queue.enqueue(tx, 'calendar.end-event', { sessionId: '00000000-0000-4000-8000-000000000001' });
      await queue.enqueue(tx, 'calendar.end-event', { sessionId: '00000000-0000-4000-8000-000000000002' });
    });
    const counts = await readJobCounts(database.db);
    expect(counts.find((row) => row.queue === 'calendar.end-event')).toMatchObject({ waiting: 2, active: 0, failed: 0 });
    expect(counts.find((row) => row.queue === 'sms.send')).toEqual({
      queue: 'sms.send',
      waiting: 0,
      active: 0,
      failed: 0,
      oldestWaitingSeconds: 0,
    });
    const metrics = createMetrics({ jobCounts: () => readJobCounts(database.db) });
    const text = await metrics.registry.metrics();
    expect(sample(text, 'savvysolve_meet_jobs{queue="calendar.end-event",state="waiting"}')).toBe(2);
    expect(sample(text, 'savvysolve_meet_jobs{queue="sms.send",state="failed"}')).toBe(0);
    expect(text).toMatch(/# HELP savvysolve_meet_jobs .*read from the database/);
    expect(sample(text, 'savvysolve_meet_jobs_oldest_waiting_seconds{queue="calendar.end-event"}')).toBeGreaterThanOrEqual(0);
  });
});
