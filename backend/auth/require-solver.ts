import { createMiddleware } from 'hono/factory';
import type { AppEnv } from '../http/app-env.ts';
import type { AuthService } from './service.ts';

/** Puts the signed-in solver on the context, or answers 401. */
export const requireSolver = (auth: AuthService) =>
  createMiddleware<AppEnv>(async (c, next) => {
    c.set('solver', await auth.authenticate(c.req.header('authorization')));
    await next();
  });
