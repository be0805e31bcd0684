import { Hono } from 'hono';
import type { AppEnv } from '../http/app-env.ts';
import type { Health } from './health.ts';

/**
 * `GET /health` (summary; 503 when the database does not answer), `GET /health/live` (the process answers: a
 * liveness probe restarts only a hung process) and `GET /health/ready` (503 until the database is reachable, the
 * migrations applied and the job queue started: a readiness probe keeps traffic away meanwhile).
 */
export const createHealthRoutes = (health: Health) =>
  new Hono<AppEnv>()
    .get('/', async (c) => {
      const summary = await health.summary();
      return c.json(summary, summary.status === 'ok' ? 200 : 503);
    })
    .get('/live', (c) => c.json({ status: 'ok' as const }))
    .get('/ready', async (c) => {
      const readiness = await health.readiness();
      return c.json(readiness, readiness.ready ? 200 : 503);
    });
