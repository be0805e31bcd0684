import { Hono } from 'hono';
import { ERROR_CODES, solverChannel } from '../../shared/index.ts';
import { requireSolver } from '../auth/require-solver.ts';
import type { AuthService } from '../auth/service.ts';
import type { AppEnv } from '../http/app-env.ts';
import { ApiError } from '../http/errors.ts';
import type { RealtimeTokenMinter } from './ably-publisher.ts';

/** `GET /api/realtime/token`: an Ably token request that may only subscribe to the solver's own channel. */
export const createRealtimeRoutes = (auth: AuthService, minter: RealtimeTokenMinter | undefined, solverTemplate?: string) =>
  new Hono<AppEnv>().use(requireSolver(auth)).get('/token', async (c) => {
    if (!minter)
      throw new ApiError(
        404,
        ERROR_CODES.notConfigured,
        'Realtime updates are not configured (ABLY_API_KEY unset); poll /api/sessions instead.',
      );
    const channel = solverChannel(c.get('solver').id, solverTemplate);
    return c.json(await minter.subscribeOnly(channel, channel));
  });
