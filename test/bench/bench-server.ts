import { serve } from '@hono/node-server';
import { sql } from 'drizzle-orm';
import { Hono } from 'hono';
import { loadConfig } from '../../backend/env.ts';
import { createLogger } from '../../backend/logger.ts';
import { startBackend } from '../../backend/start.ts';
import { createBaselineApp } from './baseline.ts';
import { seedFreshSessions, seedSolvers, seedStoredSessions, type SeededSolver } from './seed.ts';

/**
 * One process holding ours — `startBackend(loadConfig(env), { log })`, exactly what `backend/server.ts` runs,
 * production defaults, request log on stdout — and, on BENCH_CONTROL_PORT, the baseline on the same database plus
 * the bench's seeding and job-state endpoints. Sharing the process and the database makes ours and the baseline
 * see the same machine at the same moment when their requests are interleaved.
 */
const config = loadConfig(process.env);
// BENCH_POLL_CADENCE (JSON, e.g. {"fastSeconds":3600}): the attendance poll cadence, which no variable sets.
const pollCadence = process.env.BENCH_POLL_CADENCE ? (JSON.parse(process.env.BENCH_POLL_CADENCE) as Record<string, number>) : undefined;
const backend = await startBackend(config, { log: createLogger(), ...(pollCadence ? { meetSpace: { pollCadence } } : {}) });
const { db } = backend.database;

const rowsOf = <T>(result: unknown): T[] => (Array.isArray(result) ? result : ((result as { rows?: T[] }).rows ?? []));

const control = new Hono()
  .route('/', createBaselineApp(db, config))
  .post('/__bench/solvers', async (c) => {
    const { first, count } = await c.req.json<{ first: number; count: number }>();
    return c.json(await seedSolvers(db, first, count));
  })
  .post('/__bench/fresh-sessions', async (c) => {
    const { solverIds, perSolver } = await c.req.json<{ solverIds: string[]; perSolver: number }>();
    return c.json(Object.fromEntries(await seedFreshSessions(db, solverIds, perSolver)));
  })
  .post('/__bench/stored-sessions', async (c) => {
    const { solver, count } = await c.req.json<{ solver: SeededSolver; count: number }>();
    await seedStoredSessions(db, solver, count);
    return c.json({ ok: true });
  })
  .get('/__bench/attendance', async (c) => {
    const [spaces] = rowsOf<{ polls: number; customers: number; resolved: number }>(
      await db.execute(
        sql`select coalesce(sum(poll_seq), 0)::int as polls, count(customer_joined_at)::int as customers, count(space_name)::int as resolved from meet_spaces`,
      ),
    );
    const subscriptions = rowsOf<{ state: string; n: number }>(
      await db.execute(sql`select state, count(*)::int as n from meet_event_subscriptions group by state`),
    );
    // The delay each live chain chose for its next poll (what the poller's cadence is right now).
    const delays = rowsOf<{ s: number }>(
      await db.execute(
        sql`select extract(epoch from (start_after - created_on))::float8 as s from pgboss.job where name = 'meet.attendance-poll' and state = 'created'`,
      ),
    );
    return c.json({
      polls: Number(spaces?.polls ?? 0),
      customersSeen: Number(spaces?.customers ?? 0),
      spacesResolved: Number(spaces?.resolved ?? 0),
      subscriptions: Object.fromEntries(subscriptions.map((row) => [row.state, Number(row.n)])),
      nextPollDelaysSec: delays.map((row) => Number(row.s)),
    });
  })
  .get('/__bench/counts', async (c) => {
    const jobs = rowsOf<{ state: string; n: number }>(
      await db.execute(sql`select state::text as state, count(*)::int as n from pgboss.job group by state`),
    );
    // The attendance poll chain of a live session always has its next poll waiting: it never drains.
    const deliveryJobs = rowsOf<{ state: string; n: number }>(
      await db.execute(
        sql`select state::text as state, count(*)::int as n from pgboss.job where name <> 'meet.attendance-poll' group by state`,
      ),
    );
    const tables = rowsOf<{ sessions: number; sms: number; audit: number }>(
      await db.execute(
        sql`select (select count(*)::int from sessions) as sessions, (select count(*)::int from sms_deliveries) as sms, (select count(*)::int from audit_events) as audit`,
      ),
    )[0];
    const spaces = rowsOf<{ state: string; n: number }>(
      await db.execute(sql`select access_state::text as state, count(*)::int as n from meet_spaces group by access_state`),
    );
    return c.json({
      jobs: Object.fromEntries(jobs.map((row) => [row.state, Number(row.n)])),
      deliveryJobs: Object.fromEntries(deliveryJobs.map((row) => [row.state, Number(row.n)])),
      tables,
      spaces: Object.fromEntries(spaces.map((row) => [row.state, Number(row.n)])),
    });
  });

const port = Number(process.env.BENCH_CONTROL_PORT);
const server = serve({ fetch: control.fetch, port, hostname: '127.0.0.1' });

const shutdown = async () => {
  server.close();
  await backend.close();
  process.exit(0);
};
process.once('SIGTERM', () => void shutdown());
process.once('SIGINT', () => void shutdown());
