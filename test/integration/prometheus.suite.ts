import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SAVVYSOLVE_WEBHOOK_PATH } from '../../shared/index.ts';
import { startPrometheus, type Prometheus, type Sample } from '../support/prometheus.ts';
import { activeSession, eventually, startStack, type DatabaseChoice, type Stack } from './stack.ts';

const METRICS_TOKEN = 'metrics-token-for-tests-0123456789';
const ADA = { email: 'ada@example.com', name: 'Ada Lovelace', employment: 'employed', googleEmail: 'ada@example.com' } as const;

/** `{label value: sample value}` of a vector keyed by one label. */
const byLabel = (samples: Sample[], label: string) => Object.fromEntries(samples.map((sample) => [sample.metric[label], sample.value]));

/**
 * A real Prometheus (Debian's) scrapes a backend with METRICS_TOKEN as its bearer token while escalations, a
 * fallback, a refusal and SMS outcomes go through the emulators; every series is asserted through PromQL.
 */
export function describePrometheusScrape(database: DatabaseChoice) {
  describe(`metrics scraped by a real Prometheus on ${database}`, () => {
    let stack: Stack;
    let prometheus: Prometheus;
    let adaToken: string;
    const escalate = async (customerPhone: string) => {
      const sessionId = randomUUID();
      const event = activeSession(sessionId, ADA.email, customerPhone);
      expect((await stack.host.sendWebhook(`${stack.backend.url}${SAVVYSOLVE_WEBHOOK_PATH}`, 'session.upserted', event)).status).toBe(200);
      const link = await stack.api.call('POST', '/api/meet/links', { json: { sessionId }, token: adaToken });
      return { sessionId, link: link.body as { meetLink: string; usedFallback: boolean; isExisting: boolean } };
    };
    const smsTo = (phone: string) => stack.emulators.twilio.messages().filter((message) => message.to === phone);

    beforeAll(async () => {
      stack = await startStack(
        database,
        { METRICS_TOKEN },
        {},
        { meetSpace: { retryBaseDelayMs: 20, pollCadence: { fastSeconds: 1, slowSeconds: 1 } } },
      );
      await stack.host.sendWebhook(`${stack.backend.url}${SAVVYSOLVE_WEBHOOK_PATH}`, 'solver.upserted', ADA);
      adaToken = await stack.signIn(ADA.email);
      const target = `127.0.0.1:${stack.backend.port}`;
      prometheus = await startPrometheus([
        { job: 'savvysolve-meet', target, bearerToken: METRICS_TOKEN },
        { job: 'wrong-token', target, bearerToken: 'not-the-metrics-token-0123456789' },
      ]);
    });
    afterAll(async () => {
      await prometheus?.close();
      await stack?.close();
    });

    it('scrapes with the bearer token only: the target with another token is down', async () => {
      const up = await prometheus.waitFor('up', (samples) => samples.length === 2, 'both targets scraped');
      expect(byLabel(up, 'job')).toEqual({ 'savvysolve-meet': 1, 'wrong-token': 0 });
      const ready = await prometheus.waitFor(
        'savvysolve_meet_ready{job="savvysolve-meet"}',
        (samples) => samples.length === 1,
        'readiness',
      );
      expect(ready[0]!.value).toBe(1);
      const unauthorized = await stack.api.call('GET', '/metrics');
      expect(unauthorized.status).toBe(401);
    });

    it('counts escalations by outcome, the time to a link, SMS outcomes, outbound requests and job failures', async () => {
      // calendar, then existing for the same session.
      const delivered = '+14155550131';
      const first = await escalate(delivered);
      expect(first.link).toMatchObject({ usedFallback: false, isExisting: false });
      expect(
        (await stack.api.call('POST', '/api/meet/links', { json: { sessionId: first.sessionId }, token: adaToken })).body.isExisting,
      ).toBe(true);
      // fallback: Calendar answers 503 to every attempt.
      stack.emulators.google.faults.set('events.insert', { status: 503 });
      expect((await escalate('+14155550132')).link.usedFallback).toBe(true);
      stack.emulators.google.faults.clear();
      // refused: a session nobody knows (the host does not either).
      expect((await stack.api.call('POST', '/api/meet/links', { json: { sessionId: randomUUID() }, token: adaToken })).status).toBe(404);
      // SMS: delivered; undelivered (30006, a landline); failed at once (21610, replied STOP).
      const undelivered = '+14155550133';
      await escalate(undelivered);
      await escalate(stack.emulators.twilio.unsubscribedNumber);
      const [deliveredSms] = await eventually(() => smsTo(delivered).length > 0 && smsTo(delivered), 'the first SMS');
      const [undeliveredSms] = await eventually(() => smsTo(undelivered).length > 0 && smsTo(undelivered), 'the third SMS');
      expect((await stack.emulators.twilio.sendStatusCallback(deliveredSms!.sid, 'delivered')).responseStatus).toBe(204);
      expect(
        (await stack.emulators.twilio.sendStatusCallback(undeliveredSms!.sid, 'undelivered', { ErrorCode: '30006' })).responseStatus,
      ).toBe(204);
      // A realtime publish that fails once (then succeeds on its retry).
      stack.emulators.ably.faults.set('publish', { status: 503, times: 1 });
      await escalate('+14155550134');

      const outcomes = await prometheus.waitFor(
        'sum by (outcome) (savvysolve_meet_escalations_total{job="savvysolve-meet"})',
        (samples) => byLabel(samples, 'outcome').calendar === 4 && samples.length === 4,
        'every escalation counted',
      );
      expect(byLabel(outcomes, 'outcome')).toEqual({ calendar: 4, existing: 1, fallback: 1, refused: 1 });
      const answered = await prometheus.query('savvysolve_meet_link_seconds_count{job="savvysolve-meet"}');
      expect(answered[0]!.value).toBe(6);

      const sms = await prometheus.waitFor(
        'savvysolve_meet_sms_total{job="savvysolve-meet"}',
        (samples) => samples.length === 3,
        'three SMS outcomes',
      );
      expect(Object.fromEntries(sms.map((sample) => [`${sample.metric.status}/${sample.metric.error_class}`, sample.value]))).toEqual({
        'delivered/none': 1,
        'undelivered/recipient': 1,
        'failed/opted_out': 1,
      });

      const outbound = await prometheus.waitFor(
        'sum by (service) (savvysolve_meet_outbound_requests_total{job="savvysolve-meet"})',
        (samples) => samples.length === 4,
        'requests to all four services',
      );
      expect(Object.keys(byLabel(outbound, 'service')).sort()).toEqual(['ably', 'google', 'savvysolve', 'twilio']);
      const calendar503 = await prometheus.query('savvysolve_meet_outbound_requests_total{service="google",status="503"}');
      expect(calendar503[0]!.value).toBe(3); // the three Calendar attempts of the fallback
      const ably503 = await prometheus.query('savvysolve_meet_outbound_requests_total{service="ably",status="503"}');
      expect(ably503[0]!.value).toBe(1);
      const failures = await prometheus.waitFor(
        'savvysolve_meet_job_failures_total{queue="realtime.publish"}',
        (samples) => samples[0]?.value === 1,
        'the failed publish attempt',
      );
      expect(failures).toHaveLength(1);
      const latency = await prometheus.query(
        'histogram_quantile(0.5, sum by (le) (savvysolve_meet_outbound_seconds_bucket{service="twilio"}))',
      );
      expect(latency[0]!.value).toBeGreaterThan(0);
    });

    it('reads the queue depths from the database, and observes the time to the customer joining', async () => {
      const jobs = await prometheus.waitFor(
        'savvysolve_meet_jobs{job="savvysolve-meet",queue="sms.send"}',
        (samples) => samples.length === 3,
        'the sms.send gauges',
      );
      expect(jobs.map((sample) => sample.metric.state).sort()).toEqual(['active', 'failed', 'waiting']);

      const { link } = await escalate('+14155550135');
      const code = new URL(link.meetLink).pathname.slice(1);
      stack.emulators.google.meet.join(code, { kind: 'anonymous', displayName: 'Grace' }, new Date(Date.now() + 90_000));
      const joined = await prometheus.waitFor(
        'savvysolve_meet_customer_join_seconds_count',
        (samples) => samples[0]?.value === 1,
        'the customer join observed',
      );
      expect(joined).toHaveLength(1);
      const under = await prometheus.query('savvysolve_meet_customer_join_seconds_bucket{le="60"}');
      const within = await prometheus.query('savvysolve_meet_customer_join_seconds_bucket{le="120"}');
      expect([under[0]!.value, within[0]!.value]).toEqual([0, 1]); // ~90 s after the link
    });
  });
}
