import { Hono } from 'hono';
import { z } from 'zod';
import { ERROR_CODES, sessionIdSchema, type ListSessionsResponse, type SessionSummary } from '../../shared/index.ts';
import { requireSolver } from '../auth/require-solver.ts';
import type { AuthService } from '../auth/service.ts';
import type { AppEnv } from '../http/app-env.ts';
import { ApiError } from '../http/errors.ts';
import { pathParams } from '../http/validate.ts';
import type { SessionViews } from './session-views.ts';

const sessionParam = z.object({ sessionId: sessionIdSchema });

/** `GET /api/sessions`: the solver's active sessions; `GET /api/sessions/:sessionId`: one of them (404 otherwise). */
export const createSessionRoutes = (auth: AuthService, views: SessionViews) =>
  new Hono<AppEnv>()
    .use(requireSolver(auth))
    .get('/', async (c) => c.json<ListSessionsResponse>({ sessions: await views.listActive(c.get('solver').id) }))
    .get('/:sessionId', pathParams(sessionParam), async (c) => {
      const session = await views.getOwn(c.get('solver'), c.req.valid('param').sessionId);
      // Another solver's session answers exactly like a missing one.
      if (!session) throw new ApiError(404, ERROR_CODES.notFound, 'Session not found');
      return c.json<SessionSummary>(session);
    });
