import { Hono } from 'hono';
import { createMiddleware } from 'hono/factory';
import { z } from 'zod';
import {
  ERROR_CODES,
  createSessionRequestSchema,
  createSolverRequestSchema,
  eraseCustomerRequestSchema,
  updateSolverRequestSchema,
} from '../../shared/index.ts';
import type { AppEnv } from '../http/app-env.ts';
import { bearerMatches } from '../http/bearer.ts';
import { ApiError } from '../http/errors.ts';
import { jsonBody, pathParams, queryParams } from '../http/validate.ts';
import type { AdminService } from './service.ts';

const idParam = z.object({ id: z.uuid('id must be a UUID').transform((id) => id.toLowerCase()) });
// Only the failed jobs are listed: the others are pg-boss's business, and the metrics count them.
const jobsQuery = z.object({ state: z.literal('failed', 'state must be failed') });

/** `Authorization: Bearer $ADMIN_API_TOKEN`; with no token set the admin API answers 503. */
const requireAdmin = (token: string | undefined) =>
  createMiddleware<AppEnv>(async (c, next) => {
    if (!token) throw new ApiError(503, ERROR_CODES.notConfigured, 'The admin API is disabled: set ADMIN_API_TOKEN to enable it.');
    if (!bearerMatches(c.req.header('authorization'), token))
      throw new ApiError(401, ERROR_CODES.unauthorized, 'A valid admin token is required.');
    await next();
  });

export const createAdminRoutes = (admin: AdminService, adminApiToken: string | undefined) =>
  new Hono<AppEnv>()
    .use(requireAdmin(adminApiToken))
    .get('/solvers', async (c) => c.json({ solvers: await admin.listSolvers() }))
    .get('/sessions', async (c) => c.json({ sessions: await admin.listSessions({ includeEnded: c.req.query('all') === 'true' }) }))
    .post('/solvers', jsonBody(createSolverRequestSchema), async (c) => c.json(await admin.createSolver(c.req.valid('json')), 201))
    .patch('/solvers/:id', pathParams(idParam), jsonBody(updateSolverRequestSchema), async (c) =>
      c.json(await admin.updateSolver(c.req.valid('param').id, c.req.valid('json'))),
    )
    .post('/sessions', jsonBody(createSessionRequestSchema), async (c) => {
      const { id, outcome } = await admin.upsertSession(c.req.valid('json'));
      return c.json({ id, outcome }, outcome === 'created' ? 201 : 200);
    })
    .get('/sessions/:id', pathParams(idParam), async (c) => c.json(await admin.getSession(c.req.valid('param').id)))
    .post('/sessions/:id/end', pathParams(idParam), async (c) => c.json(await admin.endSession(c.req.valid('param').id)))
    .get('/jobs', queryParams(jobsQuery), async (c) => c.json({ jobs: await admin.listFailedJobs() }))
    .post('/jobs/:id/retry', pathParams(idParam), async (c) => c.json(await admin.retryFailedJob(c.req.valid('param').id)))
    .post('/customers/erase', jsonBody(eraseCustomerRequestSchema), async (c) =>
      c.json(await admin.eraseCustomer(c.req.valid('json').phone)),
    );
