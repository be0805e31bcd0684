import { Hono } from 'hono';
import { z } from 'zod';
import { captureMeetLinkRequestSchema, createMeetLinkRequestSchema, sessionIdSchema } from '../../shared/index.ts';
import { requireSolver } from '../auth/require-solver.ts';
import type { AuthService } from '../auth/service.ts';
import type { AppEnv } from '../http/app-env.ts';
import { jsonBody, pathParams } from '../http/validate.ts';
import type { MeetService } from './service.ts';

const sessionParam = z.object({ sessionId: sessionIdSchema });

export const createMeetRoutes = (auth: AuthService, meet: MeetService) =>
  new Hono<AppEnv>()
    .use(requireSolver(auth))
    .get('/can-use', (c) => c.json(meet.canUse(c.get('solver'))))
    .post('/links', jsonBody(createMeetLinkRequestSchema), async (c) =>
      c.json(await meet.createLink(c.get('solver'), c.req.valid('json').sessionId)),
    )
    .post('/links/:sessionId/capture', pathParams(sessionParam), jsonBody(captureMeetLinkRequestSchema), async (c) =>
      c.json(await meet.captureLink(c.get('solver'), c.req.valid('param').sessionId, c.req.valid('json').meetLink)),
    )
    .post('/links/:sessionId/resend', pathParams(sessionParam), async (c) =>
      c.json(await meet.resendSms(c.get('solver'), c.req.valid('param').sessionId)),
    );
