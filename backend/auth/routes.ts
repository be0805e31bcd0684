import { getConnInfo } from '@hono/node-server/conninfo';
import { Hono, type Context } from 'hono';
import { createAuthSessionRequestSchema } from '../../shared/index.ts';
import type { AppEnv } from '../http/app-env.ts';
import { jsonBody } from '../http/validate.ts';
import type { AuthService } from './service.ts';

// The token goes into an Authorization header to Google: visible ASCII only, so no CR/LF or other header breakers.
const signInRequestSchema = createAuthSessionRequestSchema.extend({
  googleAccessToken: createAuthSessionRequestSchema.shape.googleAccessToken.regex(
    /^[\x21-\x7e]*$/,
    'must be visible ASCII characters only (no spaces, line breaks or control characters)',
  ),
});

/**
 * The socket's peer address. X-Forwarded-For is never trusted: behind a proxy every client shares the proxy's
 * address (and its rate limit). `unknown` outside the Node server (app.request() in tests).
 */
function clientAddress(c: Context<AppEnv>): string {
  try {
    return getConnInfo(c).remote.address ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

export const createAuthRoutes = (auth: AuthService) =>
  new Hono<AppEnv>().post('/session', jsonBody(signInRequestSchema), async (c) =>
    c.json(await auth.signIn(c.req.valid('json').googleAccessToken, clientAddress(c))),
  );
