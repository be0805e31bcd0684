import { Hono } from 'hono';
import { ERROR_CODES } from '../../shared/index.ts';
import type { AppEnv } from '../http/app-env.ts';
import { bearerMatches } from '../http/bearer.ts';
import { ApiError } from '../http/errors.ts';
import type { Metrics } from './metrics.ts';

/**
 * `GET /metrics`: the Prometheus text format, for `Authorization: Bearer $METRICS_TOKEN` only (401 otherwise).
 * Without METRICS_TOKEN the route does not exist (404), so an unconfigured backend exposes nothing.
 */
export const createMetricsRoutes = (metrics: Metrics, token: string | undefined) =>
  new Hono<AppEnv>().get('/', async (c) => {
    if (!token) throw new ApiError(404, ERROR_CODES.notFound, `No route for GET ${c.req.path}`);
    if (!bearerMatches(c.req.header('authorization'), token))
      throw new ApiError(401, ERROR_CODES.unauthorized, 'A valid metrics token is required.');
    return c.body(await metrics.registry.metrics(), 200, { 'content-type': metrics.registry.contentType });
  });
