import { Hono } from 'hono';
import type { ListSessionsResponse } from '../../shared/index.ts';
import { requireSolver } from '../auth/require-solver.ts';
import type { AuthService } from '../auth/service.ts';
import type { AppEnv } from '../http/app-env.ts';
import type { SessionViews } from './session-views.ts';

export const createSessionRoutes = (auth: AuthService, views: SessionViews) =>
  new Hono<AppEnv>()
    .use(requireSolver(auth))
    .get('/', async (c) => c.json<ListSessionsResponse>({ sessions: await views.listActive(c.get('solver').id) }));
