import { Hono } from 'hono';
import { createMeetLinkRequestSchema } from '../../shared/index.ts';
import { requireSolver } from '../auth/require-solver.ts';
import type { AuthService } from '../auth/service.ts';
import type { AppEnv } from '../http/app-env.ts';
import { jsonBody } from '../http/validate.ts';
import type { MeetService } from './service.ts';

export const createMeetRoutes = (auth: AuthService, meet: MeetService) =>
  new Hono<AppEnv>()
    .use(requireSolver(auth))
    .get('/can-use', (c) => c.json(meet.canUse(c.get('solver'))))
    .post('/links', jsonBody(createMeetLinkRequestSchema), async (c) =>
      c.json(await meet.createLink(c.get('solver'), c.req.valid('json').sessionId)),
    );
