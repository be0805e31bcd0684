import { Hono } from 'hono';
import { createAuthSessionRequestSchema } from '../../shared/index.ts';
import type { AppEnv } from '../http/app-env.ts';
import { jsonBody } from '../http/validate.ts';
import type { AuthService } from './service.ts';

export const createAuthRoutes = (auth: AuthService) =>
  new Hono<AppEnv>().post('/session', jsonBody(createAuthSessionRequestSchema), async (c) =>
    c.json(await auth.signIn(c.req.valid('json').googleAccessToken)),
  );
