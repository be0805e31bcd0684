import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SAVVYSOLVE_WEBHOOK_PATH } from '../../shared/index.ts';
import {
  startEmulators,
  startOtlpReceiver,
  startSavvySolveHostEmulator,
  type Emulators,
  type OtlpReceiver,
  type ReceivedSpan,
  type SavvySolveHostEmulator,
} from '../emulators/index.ts';
import { backendClient, type BackendClient } from '../support/backend-client.ts';
import { startBackendProcess, type BackendProcess } from '../support/backend-process.ts';
import { createScratchDatabase } from '../support/postgres.ts';
import { HOST_API_TOKEN, HOST_WEBHOOK_SECRET, OAUTH_CLIENT_ID, activeSession, eventually, type DatabaseChoice } from './stack.ts';

const ADA = { email: 'ada@example.com', name: 'Ada Lovelace', employment: 'employed', googleEmail: 'ada@example.com' } as const;
/** The jobs a click causes: the SMS, the access step, the realtime messages, the events to the host. */
const CAUSED_JOBS = ['sms.send', 'meet.space-setup', 'realtime.publish', 'host.deliver'];
const urlOf = (span: ReceivedSpan) => String(span.attributes['url.full'] ?? span.attributes['http.url'] ?? '');

/** One click traced end to end by the real server process (`npm start`) exporting OTLP/HTTP to a local receiver. */
export function describeTracing(database: DatabaseChoice) {
  describe(`tracing across the click and its jobs on ${database} (the server process)`, () => {
    let emulators: Emulators;
    let host: SavvySolveHostEmulator;
    let receiver: OtlpReceiver;
    let backend: BackendProcess;
    let api: BackendClient;
    let scratch: { url: string; drop(): Promise<void> } | undefined;

    beforeAll(async () => {
      emulators = await startEmulators({ delegatedUsers: [ADA.email] });
      host = await startSavvySolveHostEmulator({ secret: HOST_WEBHOOK_SECRET, apiToken: HOST_API_TOKEN });
      receiver = await startOtlpReceiver();
      scratch = database === 'postgres' ? await createScratchDatabase() : undefined;
      backend = await startBackendProcess({
        ...emulators.backendEnv,
        ...(scratch ? { DATABASE_URL: scratch.url } : { PGLITE_DATA_DIR: 'memory://' }),
        SESSION_SECRET: 'session-secret-for-tests-0123456789abcdef',
        GOOGLE_OAUTH_CLIENT_IDS: OAUTH_CLIENT_ID,
        SAVVYSOLVE_WEBHOOK_SECRET: HOST_WEBHOOK_SECRET,
        SAVVYSOLVE_API_URL: host.apiUrl,
        SAVVYSOLVE_API_TOKEN: HOST_API_TOKEN,
        SAVVYSOLVE_EVENTS_URL: host.eventsUrl,
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
        OTEL_BSP_SCHEDULE_DELAY: '200',
        OTEL_METRICS_EXPORTER: 'none',
        OTEL_LOGS_EXPORTER: 'none',
      });
      api = backendClient(backend.url, 'unused-admin-token-0123456789');
      await host.sendWebhook(`${backend.url}${SAVVYSOLVE_WEBHOOK_PATH}`, 'solver.upserted', ADA);
    });
    afterAll(async () => {
      await backend?.stop();
      await Promise.all([emulators?.close(), host?.close(), receiver?.close()]);
      await scratch?.drop();
    });

    it('follows one click through the Calendar call, the commit and every job it caused, with HTTP and database spans', async () => {
      const sessionId = randomUUID();
      const customerPhone = '+14155550141';
      const event = activeSession(sessionId, ADA.email, customerPhone);
      await host.sendWebhook(`${backend.url}${SAVVYSOLVE_WEBHOOK_PATH}`, 'session.upserted', event);
      const token = await api.signIn(emulators.google.issueAccessToken({ email: ADA.email, audience: OAUTH_CLIENT_ID }));
      const link = await api.call('POST', '/api/meet/links', { json: { sessionId }, token });
      expect(link.body).toMatchObject({ success: true, usedFallback: false });

      const click = await eventually(
        () => receiver.spans().find((span) => span.kind === 2 && span.name === 'POST /api/meet/links'),
        "the click's server span",
      );
      const inClick = (span: ReceivedSpan) => span.traceId === click.traceId || span.links.some((link) => link.traceId === click.traceId);
      const trace = await eventually(
        () => {
          const spans = receiver.spans().filter(inClick);
          const processed = CAUSED_JOBS.filter((queue) => spans.some((span) => span.name === `process ${queue}`));
          return processed.length === CAUSED_JOBS.length && spans.some((span) => urlOf(span).includes(host.eventsUrl)) && spans;
        },
        'every job of the click processed and traced',
        30_000,
      );

      expect(click).toMatchObject({ parentSpanId: '', serviceName: 'savvysolve-meet' });
      const children = (parent: ReceivedSpan) => trace.filter((span) => span.parentSpanId === parent.spanId);
      const descendants = (parent: ReceivedSpan): ReceivedSpan[] => children(parent).flatMap((child) => [child, ...descendants(child)]);
      const underClick = descendants(click);
      // The Calendar call (token exchange, then events.insert) and the commit, inside the click.
      expect(underClick.some((span) => span.kind === 3 && urlOf(span).endsWith('/token'))).toBe(true);
      expect(underClick.some((span) => span.kind === 3 && /\/calendar\/v3\/calendars\/.+\/events/.test(urlOf(span)))).toBe(true);
      expect(underClick.find((span) => span.name === 'UPDATE sessions')).toMatchObject({ attributes: { 'db.system.name': 'postgresql' } });
      expect(underClick.some((span) => span.name === 'COMMIT link fan-out')).toBe(true);
      // Each job: sent inside the click's trace, processed in it (or linked to it), its outbound call beneath.
      for (const queue of CAUSED_JOBS) expect(underClick.some((span) => span.name === `send ${queue}` && span.kind === 4)).toBe(true);
      const outboundOf = (queue: string) =>
        trace
          .filter((span) => span.name === `process ${queue}`)
          .flatMap((process) => descendants(process).filter((span) => span.kind === 3));
      expect(outboundOf('sms.send').some((span) => urlOf(span).includes('/Messages.json'))).toBe(true);
      expect(outboundOf('host.deliver').some((span) => urlOf(span).includes(host.eventsUrl))).toBe(true);
      expect(outboundOf('realtime.publish').some((span) => urlOf(span).includes('/messages'))).toBe(true);
      expect(outboundOf('meet.space-setup').some((span) => urlOf(span).includes('/v2/spaces/'))).toBe(true);
    });
  });
}
