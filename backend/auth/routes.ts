import { Hono } from 'hono';
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

export const createAuthRoutes = (auth: AuthService) =>
  new Hono<AppEnv>().post('/session', jsonBody(signInRequestSchema), async (c) =>
    c.json(await auth.signIn(c.req.valid('json').googleAccessToken, c.get('clientAddress'))),
  );
