import { serve, type ServerType } from '@hono/node-server';
import { realtimeEndpointOf, type HealthResponse } from '../shared/index.ts';
import { createAdminService } from './admin/service.ts';
import { createApp } from './app.ts';
import { createGoogleTokenVerifier, type GoogleTokenVerifier } from './auth/google-token-verifier.ts';
import { createAuthService } from './auth/service.ts';
import { createSessionTokens } from './auth/session-tokens.ts';
import { openDatabase, type DatabaseHandle } from './db/client.ts';
import type { Config } from './env.ts';
import { startHousekeeping } from './jobs/housekeeping.ts';
import { startJobQueue, type JobQueueOptions } from './jobs/job-queue.ts';
import type { Logger } from './logger.ts';
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
import { createAblyPublisher, createAblyTokenMinter } from './realtime/ably-publisher.ts';
import { createRateLimiter } from './rate-limit/rate-limiter.ts';
import { createRealtimeOutbox } from './realtime/outbox.ts';
import { createPublishWorker } from './realtime/publish-worker.ts';
import { createSessionViews } from './sessions/session-views.ts';
import { createSmsOutbox } from './sms/sms-outbox.ts';
import { createSolverCache } from './solvers/solver-cache.ts';
import { applyTwilioStatus } from './sms/delivery-status.ts';
import { createSmsWorker } from './sms/sms-worker.ts';
import { createTwilioSender } from './sms/twilio-sender.ts';
import { TWILIO_STATUS_PATH } from './sms/webhook-routes.ts';

/** Knobs tests and benchmarks turn; production uses the defaults. */
export type StartOptions = {
  log: Logger;
  jobs?: JobQueueOptions;
  calendar?: Partial<Omit<GoogleCalendarOptions, 'delegated' | 'apiUrl'>>;
  /** Replace an adapter (unit-level tests only; integration tests use the real ones). */
  overrides?: { calendar?: MeetCalendar; googleTokenVerifier?: GoogleTokenVerifier; meetSpaces?: MeetSpaces };
  meetSpace?: { retryBaseDelayMs?: number; pollCadence?: Partial<typeof POLL_CADENCE>; retireConfirmSeconds?: number };
  /** Run the job workers (and the fan-out sweep) in this process; defaults to JOB_WORKERS. */
  workers?: boolean;
};

export type RunningBackend = {
  url: string;
  port: number;
  database: DatabaseHandle;
  app: ReturnType<typeof createApp>;
  close(): Promise<void>;
};

const configured = (value: unknown) => (value ? 'configured' : 'not_configured') as 'configured' | 'not_configured';

/** Opens the database, starts the job queue and workers, and serves the API on `config.port`. */
export async function startBackend(config: Config, options: StartOptions): Promise<RunningBackend> {
  const { log } = options;
  const database = await openDatabase(config.database);
  const queue = await startJobQueue(database, log, options.jobs);
  const { db } = database;

  const delegated = createCredentialSource(config.google);
  const calendar =
    options.overrides?.calendar ??
    (delegated ? createGoogleCalendar({ ...options.calendar, delegated, apiUrl: config.google.apiUrl }) : undefined);
  const realtime = createRealtimeOutbox(queue, Boolean(config.ably), config.channels);
  const sms = createSmsOutbox(queue, Boolean(config.twilio));
  const hostEvents = createHostEventOutbox(queue, Boolean(config.host.eventsUrl));
  const signing = config.host.webhookSecrets.length > 0 ? createWebhookSigning(config.host.webhookSecrets) : undefined;
  const solverCache = createSolverCache(db);
  const auth = createAuthService({
    db,
    solvers: solverCache,
    verifier: options.overrides?.googleTokenVerifier ?? createGoogleTokenVerifier(config.google.oauthUrl),
    tokens: createSessionTokens(config.sessionSecret),
    oauthClientIds: config.google.oauthClientIds,
    workspaceDomains: config.google.workspaceDomains,
  });
  const hostSync = createHostSync({
    db,
    effects: { queue, realtime, hostEvents },
    defaultPhoneRegion: config.defaultPhoneRegion,
    api: config.host.api ? createSavvySolveApi(config.host.api) : undefined,
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
    pullSession: hostSync.pullSession,
    log,
  });
  const admin = createAdminService({
    db,
    queue,
    realtime,
    hostEvents,
    views: sessionViews,
    defaultPhoneRegion: config.defaultPhoneRegion,
    onSolverChanged: solverCache.evict,
  });

  const health = async (): Promise<HealthResponse> => {
    const ok = await database.ping();
    return {
      status: ok ? 'ok' : 'degraded',
      database: { kind: database.kind, ok },
      integrations: {
        googleCalendar: configured(config.google.delegationMode),
        googleSignIn: configured(config.google.oauthClientIds.length),
        twilio: configured(config.twilio),
        ably: configured(config.ably),
        adminApi: configured(config.adminApiToken),
        savvysolveWebhooks: configured(signing),
        savvysolveApi: configured(config.host.api),
        savvysolveEvents: configured(config.host.eventsUrl),
      },
      ...(config.google.delegationMode ? { google: config.google.delegationMode } : {}),
      ...(config.ably?.realtimeUrl ? { realtime: realtimeEndpointOf(config.ably.realtimeUrl) } : {}),
    };
  };

  let housekeeping: { stop(): void } | undefined;
  if (options.workers ?? config.jobWorkers) {
    if (config.twilio) {
      const sender = createTwilioSender(config.twilio);
      const statusCallbackUrl = config.publicBaseUrl ? `${config.publicBaseUrl}${TWILIO_STATUS_PATH}` : undefined;
      await queue.work('sms.send', createSmsWorker({ db, sender, realtime, hostEvents, log, statusCallbackUrl }));
    }
    if (config.ably) await queue.work('realtime.publish', createPublishWorker(createAblyPublisher(config.ably), log));
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
          cadence: options.meetSpace?.pollCadence,
          eventsActive: subscriptions?.isActive,
        }),
      );
      await queue.work(
        'meet.space-retire',
        createSpaceRetireWorker({ ...spaceDeps, confirmAfterSeconds: options.meetSpace?.retireConfirmSeconds }),
      );
    }
    if (config.host.eventsUrl && signing)
      await queue.work('host.deliver', createHostEventWorker({ db, signing, eventsUrl: config.host.eventsUrl, realtime, log }));
    await fanout.start();
    housekeeping = startHousekeeping(db, log);
  }

  const app = createApp({
    sessionViews,
    auth,
    meet,
    admin,
    adminApiToken: config.adminApiToken,
    corsOrigins: config.corsOrigins,
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
              service: createMeetEventService({ db, spaces: meetSpaces, realtime, hostEvents, log }),
              lifecycle: subscriptions?.applyLifecycle,
              // The solver's panel hears of it now, not at the publisher's next poll.
              onApplied: () => queue.wake(['realtime.publish', 'host.deliver']),
            }
          : undefined,
      log,
    },
    twilioWebhook: {
      applyStatus: async (callback) => {
        const changed = await applyTwilioStatus(db, { realtime, hostEvents }, callback);
        // The solver's panel hears of it now, not at the publisher's next poll (up to 2 s).
        if (changed) queue.wake(['realtime.publish', 'host.deliver']);
        return changed;
      },
      log,
      verification:
        config.twilio && config.publicBaseUrl ? { authToken: config.twilio.authToken, publicBaseUrl: config.publicBaseUrl } : undefined,
    },
    health,
    log,
  });
  const server = await listen(app.fetch, config.port);
  const port = (server.address() as { port: number }).port;

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    database,
    app,
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      housekeeping?.stop();
      await fanout.stop();
      await queue.stop();
      await database.close();
    },
  };
}

/** Node HTTP server limits, in milliseconds: slow or idle clients cannot hold sockets open. */
export type ServerLimits = {
  /** Time to receive the request headers (Node's default is 60 s). */
  headersTimeout: number;
  /** Time to receive the whole request, body included (a client trickling a body is cut off with 408). */
  requestTimeout: number;
  /** Idle time on a kept-alive connection between requests (behind a load balancer: longer than its idle timeout). */
  keepAliveTimeout: number;
  /** How often Node checks the two request timeouts above (so a timeout fires up to this much late). */
  connectionsCheckingInterval: number;
};

export const SERVER_LIMITS: ServerLimits = {
  headersTimeout: 15_000,
  requestTimeout: 30_000,
  keepAliveTimeout: 5_000,
  connectionsCheckingInterval: 2_000,
};

/** Serves `fetch` on 0.0.0.0:`port` (0: any free port) with `limits`; resolves once listening. */
export function listen(
  fetch: Parameters<typeof serve>[0]['fetch'],
  port: number,
  limits: ServerLimits = SERVER_LIMITS,
): Promise<ServerType> {
  return new Promise((resolve, reject) => {
    const server = serve({ fetch, port, hostname: '0.0.0.0', serverOptions: limits }, () => resolve(server));
    server.once('error', reject);
  });
}
