import { Hono } from 'hono';
import type { ListSessionsResponse } from '../../shared/index.ts';
import { requireSolver } from '../auth/require-solver.ts';
import type { AuthService } from '../auth/service.ts';
import type { Database } from '../db/client.ts';
import type { AppEnv } from '../http/app-env.ts';
import { listActiveSessions } from './session-views.ts';

export const createSessionRoutes = (auth: AuthService, db: Database) =>
  new Hono<AppEnv>()
    .use(requireSolver(auth))
    .get('/', async (c) => c.json<ListSessionsResponse>({ sessions: await listActiveSessions(db, c.get('solver').id) }));
