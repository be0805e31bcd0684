import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { cors } from 'hono/cors';
import { requestId } from 'hono/request-id';
import { secureHeaders } from 'hono/secure-headers';
import { ERROR_CODES, type HealthResponse } from '../shared/index.ts';
import { createAdminRoutes } from './admin/routes.ts';
import type { AdminService } from './admin/service.ts';
import { createAuthRoutes } from './auth/routes.ts';
import type { AuthService } from './auth/service.ts';
import type { Database } from './db/client.ts';
import type { AppEnv } from './http/app-env.ts';
import { createErrorHandler, errorBody, notFoundHandler } from './http/errors.ts';
import type { Logger } from './logger.ts';
import { createMeetRoutes } from './meet/routes.ts';
import type { MeetService } from './meet/service.ts';
import type { RealtimeTokenMinter } from './realtime/ably-publisher.ts';
import { createRealtimeRoutes } from './realtime/routes.ts';
import { createSessionRoutes } from './sessions/routes.ts';
import { createTwilioWebhookRoutes, type TwilioWebhookDeps } from './sms/webhook-routes.ts';

export type AppDeps = {
  db: Database;
  auth: AuthService;
  meet: MeetService;
  admin: AdminService;
  adminApiToken: string | undefined;
  realtimeTokens: RealtimeTokenMinter | undefined;
  twilioWebhook: TwilioWebhookDeps;
  corsOrigins: string[];
  health: () => Promise<HealthResponse>;
  log: Logger;
};

const MAX_BODY_BYTES = 16 * 1024;

const limitBody = bodyLimit({
  maxSize: MAX_BODY_BYTES,
  onError: (c) => c.json(errorBody(ERROR_CODES.payloadTooLarge, `Request body is larger than ${MAX_BODY_BYTES} bytes.`), 413),
});

/** The HTTP API: middleware, routes and the one error shape. */
export function createApp(deps: AppDeps) {
  const app = new Hono<AppEnv>()
    .use(requestId())
    .use(secureHeaders())
    .use('/api/*', cors({ origin: (origin) => (deps.corsOrigins.includes(origin) ? origin : null), maxAge: 600 }))
    .use(async (c, next) => {
      const started = performance.now();
      await next();
      deps.log.info('request', {
        requestId: c.get('requestId'),
        method: c.req.method,
        path: c.req.path,
        status: c.res.status,
        ms: Math.round(performance.now() - started),
      });
    })
    .use('/api/*', limitBody)
    .use('/webhooks/*', limitBody)
    .get('/health', async (c) => {
      const health = await deps.health();
      return c.json(health, health.status === 'ok' ? 200 : 503);
    })
    .route('/api/auth', createAuthRoutes(deps.auth))
    .route('/api/meet', createMeetRoutes(deps.auth, deps.meet))
    .route('/api/sessions', createSessionRoutes(deps.auth, deps.db))
    .route('/api/realtime', createRealtimeRoutes(deps.auth, deps.realtimeTokens))
    .route('/api/admin', createAdminRoutes(deps.admin, deps.adminApiToken))
    .route('/webhooks/twilio', createTwilioWebhookRoutes(deps.twilioWebhook));
  app.onError(createErrorHandler(deps.log));
  app.notFound(notFoundHandler);
  return app;
}

export type AppType = ReturnType<typeof createApp>;
