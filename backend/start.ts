import { createAdminService } from './admin/service.ts';
import { createApp } from './app.ts';
import { createGoogleTokenVerifier, type GoogleTokenVerifier } from './auth/google-token-verifier.ts';
import { createAuthService } from './auth/service.ts';
import { createSessionTokens } from './auth/session-tokens.ts';
import { startRetention } from './customers/retention-job.ts';
import { openDatabase, type DatabaseHandle } from './db/client.ts';
import type { Config } from './env.ts';
import { createHealth } from './health/health.ts';
import { closeGracefully, listen, serverLimits } from './http/listener.ts';
import { startHousekeeping } from './jobs/housekeeping.ts';
import { readJobCounts, startJobQueue, type JobQueueOptions } from './jobs/job-queue.ts';
import type { Logger } from './logger.ts';
import { countedFetch, createMetrics } from './metrics/metrics.ts';
import { createHostEventOutbox } from './host/host-event-outbox.ts';
import { createHostEventWorker } from './host/host-event-worker.ts';
import { createHostSync } from './host/host-sync.ts';
import { createSavvySolveApi } from './host/savvysolve-api.ts';
import { createWebhookSigning } from './host/webhook-signing.ts';
import { POLL_CADENCE, createAttendancePoller } from './meet-space/attendance-poller.ts';
import { createCredentialSource } from './google/credential-source.ts';
import { createGoogleMeetSpaces, type MeetSpaces } from './meet-space/google-meet-spaces.ts';
import { createSpaceRetireWorker } from './meet-space/space-retire-worker.ts';
import { createSpaceSetupWorker } from './meet-space/space-setup-worker.ts';
import { createMeetEventService } from './meet-events/meet-event-service.ts';
import { createPushTokenVerifier } from './meet-events/push-token.ts';
import { createGoogleWorkspaceEvents } from './meet-events/google-workspace-events.ts';
import { createSpaceSubscriptions } from './meet-events/space-subscriptions.ts';
import { createDiscardEventWorker } from './meet/discard-event-worker.ts';
import { createEndEventWorker } from './meet/end-event-worker.ts';
import { createGoogleCalendar, type GoogleCalendarOptions, type MeetCalendar } from './meet/google-calendar.ts';
import { createLinkFanout } from './meet/link-fanout.ts';
import { createMeetService } from './meet/service.ts';
import { createAblyPublisher, createAblyTokenMinter, createAblyTokenRevoker } from './realtime/ably-publisher.ts';
import { createRateLimiter } from './rate-limit/rate-limiter.ts';
import { createRealtimeOutbox } from './realtime/outbox.ts';
import { createPublishWorker } from './realtime/publish-worker.ts';
import { createRevokeWorker } from './realtime/revoke-worker.ts';
import { createSessionViews } from './sessions/session-views.ts';
import { createSolverCache } from './solvers/solver-cache.ts';
import type { CarrierRetryOptions } from './sms/delivery-status.ts';
import { createSmsFeature } from './sms/sms-feature.ts';

/** Knobs tests and benchmarks turn; production uses the defaults. */
export type StartOptions = {
  log: Logger;
  jobs?: JobQueueOptions;
  calendar?: Partial<Omit<GoogleCalendarOptions, 'delegated' | 'apiUrl'>>;
  /** Replace an adapter (unit-level tests only; integration tests use the real ones). */
  overrides?: { calendar?: MeetCalendar; googleTokenVerifier?: GoogleTokenVerifier; meetSpaces?: MeetSpaces };
  meetSpace?: { retryBaseDelayMs?: number; pollCadence?: Partial<typeof POLL_CADENCE>; retireConfirmSeconds?: number };
  sms?: { carrierRetry?: CarrierRetryOptions };
  /** Run the job workers (and the fan-out sweep) in this process; defaults to JOB_WORKERS. */
  workers?: boolean;
};

export type RunningBackend = {
  url: string;
  port: number;
  database: DatabaseHandle;
  app: ReturnType<typeof createApp>;
  /**
   * Graceful shutdown within `graceMs` (default SHUTDOWN_GRACE_SECONDS): stops accepting, answers the requests in
   * flight, lets running jobs finish (or fails them back to the queue), then closes the database.
   */
  close(graceMs?: number): Promise<void>;
};

/** Opens the database, starts the job queue and workers, and serves the API on `config.port`. */
export async function startBackend(config: Config, options: StartOptions): Promise<RunningBackend> {
  const { log } = options;
  const database = await openDatabase(config.database);
  const { db } = database;
  const metrics = createMetrics({ jobCounts: () => readJobCounts(db) });
  const workers = options.workers ?? config.jobWorkers;
  const queue = await startJobQueue(database, log, { ...options.jobs, metrics, tracing: config.tracing, schedule: workers });

  const delegated = createCredentialSource(config.google, undefined, metrics);
  const hostFetch = countedFetch('savvysolve', metrics);
  const calendar =
    options.overrides?.calendar ??
    (delegated ? createGoogleCalendar({ ...options.calendar, delegated, apiUrl: config.google.apiUrl }) : undefined);
  const realtime = createRealtimeOutbox(queue, Boolean(config.ably), config.channels);
  const hostEvents = createHostEventOutbox(queue, Boolean(config.host.eventsUrl));
  const smsFeature = createSmsFeature({ config, db, queue, realtime, hostEvents, log, carrierRetry: options.sms?.carrierRetry, metrics });
  const sms = smsFeature.outbox;
  const signing = config.host.webhookSecrets.length > 0 ? createWebhookSigning(config.host.webhookSecrets) : undefined;
  const solverCache = createSolverCache(db);
  const auth = createAuthService({
    db,
    solvers: solverCache,
    verifier: options.overrides?.googleTokenVerifier ?? createGoogleTokenVerifier(config.google.oauthUrl, { metrics }),
    tokens: createSessionTokens(config.sessionSecrets),
    oauthClientIds: config.google.oauthClientIds,
    workspaceDomains: config.google.workspaceDomains,
  });
  const hostSync = createHostSync({
    db,
    effects: { queue, realtime, hostEvents },
    defaultPhoneRegion: config.defaultPhoneRegion,
    api: config.host.api ? createSavvySolveApi({ ...config.host.api, fetch: hostFetch }) : undefined,
    log,
    onSolverChanged: solverCache.evict,
  });
  const meetSpaces =
    options.overrides?.meetSpaces ??
    (delegated && config.meetSpace.enabled ? createGoogleMeetSpaces({ delegated, meetApiUrl: config.google.meetApiUrl }) : undefined);
  // MEET_ATTENDANCE_SOURCE=events: one Workspace Events subscription per Meet space.
  const subscriptions =
    config.meetEvents && delegated && meetSpaces
      ? createSpaceSubscriptions({
          db,
          log,
          events: createGoogleWorkspaceEvents({ delegated, url: config.meetEvents.workspaceEventsUrl, topic: config.meetEvents.topic }),
        })
      : undefined;
  const fanout = createLinkFanout({ db, sms, realtime, hostEvents, queue, log, spaceControl: Boolean(meetSpaces) });
  const sessionViews = createSessionViews(db, {
    customerJoinNudgeMinutes: config.meetSpace.customerJoinNudgeMinutes,
    pullSession: hostSync.pullSession,
  });
  const meet = createMeetService({
    db,
    calendar,
    sms,
    realtime,
    queue,
    fanout,
    limiter: createRateLimiter(db),
    metrics,
    pullSession: hostSync.pullSession,
    log,
  });
  const admin = createAdminService({
    db,
    queue,
    deadLetters: queue.deadLetters,
    realtime,
    hostEvents,
    views: sessionViews,
    defaultPhoneRegion: config.defaultPhoneRegion,
    onSolverChanged: solverCache.evict,
  });

  let housekeeping: { stop(): void } | undefined;
  if (workers) {
    await smsFeature.work();
    if (config.ably) await queue.work('realtime.publish', createPublishWorker(createAblyPublisher({ ...config.ably, metrics }), log));
    if (config.ably) await queue.work('realtime.revoke-tokens', createRevokeWorker(createAblyTokenRevoker(config.ably), log));
    await queue.work('calendar.end-event', createEndEventWorker(db, calendar, log));
    await queue.work('calendar.discard-event', createDiscardEventWorker(db, calendar, log));
    if (meetSpaces) {
      const spaceDeps = { db, spaces: meetSpaces, realtime, queue, log };
      await queue.work(
        'meet.space-setup',
        createSpaceSetupWorker({
          ...spaceDeps,
          accessType: config.meetSpace.accessType,
          notify: fanout.notify,
          retryBaseDelayMs: options.meetSpace?.retryBaseDelayMs,
          firstPollSeconds: options.meetSpace?.pollCadence?.fastSeconds,
          subscribe: subscriptions?.ensure,
        }),
      );
      await queue.work(
        'meet.attendance-poll',
        createAttendancePoller({
          ...spaceDeps,
          hostEvents,
          metrics,
          cadence: options.meetSpace?.pollCadence,
          eventsActive: subscriptions?.isActive,
        }),
      );
      await queue.work(
        'meet.space-retire',
        createSpaceRetireWorker({
          ...spaceDeps,
          confirmAfterSeconds: options.meetSpace?.retireConfirmSeconds,
          unsubscribe: Boolean(subscriptions),
        }),
      );
      if (subscriptions) await queue.work('meet.events-unsubscribe', ({ spaceName }) => subscriptions.remove(spaceName));
    }
    if (config.host.eventsUrl && signing)
      await queue.work(
        'host.deliver',
        createHostEventWorker({ db, signing, eventsUrl: config.host.eventsUrl, realtime, log, fetch: hostFetch }),
      );
    await startRetention(queue, { db, retentionDays: config.customerDataRetentionDays, log });
    await fanout.start();
    housekeeping = startHousekeeping(db, log);
  }

  const health = createHealth(config, database, queue.isRunning);
  metrics.trackReadiness(async () => (await health.readiness()).ready);
  const app = createApp({
    sessionViews,
    auth,
    meet,
    admin,
    adminApiToken: config.adminApiToken,
    corsOrigins: config.corsOrigins,
    trustProxy: config.http.trustProxy,
    realtimeTokens: config.ably ? createAblyTokenMinter(config.ably) : undefined,
    solverChannelTemplate: config.channels.solver,
    hostWebhook: { sync: hostSync, signing, log },
    meetEvents: {
      events:
        config.meetEvents && meetSpaces
          ? {
              verify: createPushTokenVerifier({
                apiUrl: config.google.apiUrl,
                audience: config.meetEvents.pushAudience,
                serviceAccount: config.meetEvents.pushServiceAccount,
              }),
              service: createMeetEventService({
                db,
                spaces: meetSpaces,
                realtime,
                hostEvents,
                log,
                metrics,
                queue,
                afterCallEndSeconds: options.meetSpace?.pollCadence?.afterCallEndSeconds,
              }),
              lifecycle: subscriptions?.applyLifecycle,
              // The solver's panel hears of it now, not at the publisher's next poll.
              onApplied: () => queue.wake(['realtime.publish', 'host.deliver']),
            }
          : undefined,
      log,
    },
    twilioWebhook: smsFeature.twilioWebhook,
    health,
    metrics: { registry: metrics, token: config.metricsToken },
    tracing: config.tracing,
    log,
  });
  const server = await listen(app.fetch, config.port, serverLimits(config.http));
  const port = (server.address() as { port: number }).port;

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    database,
    app,
    async close(graceMs = config.shutdownGraceSeconds * 1000) {
      const deadline = Date.now() + graceMs;
      housekeeping?.stop();
      // Requests in flight still enqueue jobs: the queue stops after them, with what is left of the grace.
      await Promise.all([closeGracefully(server, graceMs), fanout.stop()]);
      await queue.stop(deadline - Date.now());
      await database.close();
    },
  };
}
