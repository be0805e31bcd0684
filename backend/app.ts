import { randomUUID } from 'node:crypto';
import { httpInstrumentationMiddleware } from '@hono/otel';
import { Hono, type MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { cors } from 'hono/cors';
import { requestId } from 'hono/request-id';
import { routePath } from 'hono/route';
import { ERROR_CODES, SAVVYSOLVE_WEBHOOK_PATH } from '../shared/index.ts';
import { createAdminRoutes } from './admin/routes.ts';
import type { AdminService } from './admin/service.ts';
import { createAuthRoutes } from './auth/routes.ts';
import type { AuthService } from './auth/service.ts';
import type { Health } from './health/health.ts';
import { createHealthRoutes } from './health/routes.ts';
import { createHostWebhookRoutes, type HostWebhookDeps } from './host/webhook-routes.ts';
import { MEET_EVENTS_PUSH_PATH } from './env.ts';
import type { AppEnv } from './http/app-env.ts';
import { clientAddress, type TrustProxy } from './http/client-address.ts';
import { createErrorHandler, errorBody, notFoundHandler } from './http/errors.ts';
import { inRequestLane } from './db/request-lane.ts';
import { withRequestId, type Logger } from './logger.ts';
import { createMeetEventRoutes, type MeetEventRouteDeps } from './meet-events/routes.ts';
import { createMeetRoutes } from './meet/routes.ts';
import type { Metrics } from './metrics/metrics.ts';
import { createMetricsRoutes } from './metrics/routes.ts';
import type { MeetService } from './meet/service.ts';
import type { RealtimeTokenMinter } from './realtime/ably-publisher.ts';
import { createRealtimeRoutes } from './realtime/routes.ts';
import { createSessionRoutes } from './sessions/routes.ts';
import type { SessionViews } from './sessions/session-views.ts';
import { createTwilioWebhookRoutes, type TwilioWebhookDeps } from './sms/webhook-routes.ts';

export type AppDeps = {
  sessionViews: SessionViews;
  auth: AuthService;
  meet: MeetService;
  admin: AdminService;
  adminApiToken: string | undefined;
  realtimeTokens: RealtimeTokenMinter | undefined;
  /** ABLY_SOLVER_CHANNEL: the channel a solver's realtime token grants. */
  solverChannelTemplate: string;
  hostWebhook: HostWebhookDeps;
  twilioWebhook: TwilioWebhookDeps;
  meetEvents: MeetEventRouteDeps;
  corsOrigins: string[];
  /** TRUST_PROXY: whose X-Forwarded-For names the client (throttling, logs). */
  trustProxy: TrustProxy;
  health: Health;
  /** GET /metrics, with METRICS_TOKEN as its bearer token (404 when unset). */
  metrics: { registry: Metrics; token: string | undefined };
  /** OpenTelemetry on (OTEL_* set): each request gets a server span, the parent of everything it causes. */
  tracing?: boolean;
  log: Logger;
};

const MAX_BODY_BYTES = 16 * 1024;

const checkBodyLimit = bodyLimit({
  maxSize: MAX_BODY_BYTES,
  onError: (c) => c.json(errorBody(ERROR_CODES.payloadTooLarge, `Request body is larger than ${MAX_BODY_BYTES} bytes.`), 413),
});
// Reading a GET's (absent) body still makes the Node adapter build a full Request: skip what cannot have one.
const limitBody: MiddlewareHandler = (c, next) => (c.req.method === 'GET' || c.req.method === 'HEAD' ? next() : checkBodyLimit(c, next));

/** hono/secure-headers' defaults, set before the handler runs: set after, they make Hono rebuild every Response. */
const SECURITY_HEADERS: Record<string, string> = {
  'Cross-Origin-Resource-Policy': 'same-origin',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Origin-Agent-Cluster': '?1',
  'Referrer-Policy': 'no-referrer',
  'Strict-Transport-Security': 'max-age=15552000; includeSubDomains',
  'X-Content-Type-Options': 'nosniff',
  'X-DNS-Prefetch-Control': 'off',
  'X-Download-Options': 'noopen',
  'X-Frame-Options': 'SAMEORIGIN',
  'X-Permitted-Cross-Domain-Policies': 'none',
  'X-XSS-Protection': '0',
};
const securityHeaders: MiddlewareHandler = async (c, next) => {
  for (const [name, value] of Object.entries(SECURITY_HEADERS)) c.header(name, value);
  await next();
};

/** The HTTP API: middleware, routes and the one error shape. */
export function createApp(deps: AppDeps) {
  const corsForExtension = cors({ origin: (origin) => (deps.corsOrigins.includes(origin) ? origin : null), maxAge: 600 });
  const app = new Hono<AppEnv>()
    // Always our own id (a client's X-Request-Id could forge or collide with another request's log lines).
    .use(requestId({ generator: () => randomUUID(), headerName: '' }))
    // Named after the route that answered (`POST /api/meet/links`), not the middleware's `/*`.
    .use(
      deps.tracing
        ? httpInstrumentationMiddleware({ spanNameFactory: (c) => `${c.req.method} ${routePath(c, -1)}` })
        : (_c, next) => next(),
    )
    .use(securityHeaders)
    .use(clientAddress(deps.trustProxy))
    // Only browsers send Origin (the extension's background does not): no CORS work for the rest.
    .use('/api/*', (c, next) => (c.req.header('origin') ? corsForExtension(c, next) : next()))
    .use(async (c, next) => {
      const started = performance.now();
      c.header('X-Request-Id', c.get('requestId'));
      // The client's own id, kept beside ours for correlation: only printable, at most 64 characters.
      const clientRequestId = c.req.header('x-request-id');
      // Every line logged while this request runs carries its id.
      // …and its statements go ahead of background work on embedded PGlite.
      await withRequestId(c.get('requestId'), () => inRequestLane(next));
      deps.log.info('request', {
        requestId: c.get('requestId'),
        ...(clientRequestId && /^[\x20-\x7e]+$/.test(clientRequestId) ? { clientRequestId: clientRequestId.slice(0, 64) } : {}),
        clientAddress: c.get('clientAddress'),
        method: c.req.method,
        path: c.req.path,
        status: c.res.status,
        ms: Math.round(performance.now() - started),
      });
    })
    .use('/api/*', limitBody)
    .use('/webhooks/*', limitBody)
    .route('/health', createHealthRoutes(deps.health))
    .route('/api/auth', createAuthRoutes(deps.auth))
    .route('/api/meet', createMeetRoutes(deps.auth, deps.meet))
    .route('/api/sessions', createSessionRoutes(deps.auth, deps.sessionViews))
    .route('/api/realtime', createRealtimeRoutes(deps.auth, deps.realtimeTokens, deps.solverChannelTemplate))
    .route('/api/admin', createAdminRoutes(deps.admin, deps.adminApiToken))
    .route('/webhooks/twilio', createTwilioWebhookRoutes(deps.twilioWebhook))
    .route(SAVVYSOLVE_WEBHOOK_PATH, createHostWebhookRoutes(deps.hostWebhook))
    .route('/metrics', createMetricsRoutes(deps.metrics.registry, deps.metrics.token))
    .route(MEET_EVENTS_PUSH_PATH, createMeetEventRoutes(deps.meetEvents));
  app.onError(createErrorHandler(deps.log));
  app.notFound(notFoundHandler);
  return app;
}

export type AppType = ReturnType<typeof createApp>;
