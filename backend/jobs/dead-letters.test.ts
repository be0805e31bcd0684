import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { openAdminWorld, type AdminWorld } from '../../test/support/admin-world.ts';
import { eventually } from '../../test/support/eventually.ts';
import { postgresAvailable, warnPostgresSkipped } from '../../test/support/postgres.ts';
import { createAdminRoutes } from '../admin/routes.ts';
import { runAdminCommand } from '../cli/admin-commands.ts';
import { createErrorHandler } from '../http/errors.ts';
import { createMemoryLogger } from '../logger.ts';

const hasPostgres = await postgresAvailable();
if (!hasPostgres) warnPostgresSkipped('dead-letter queue on postgres');

const TOKEN = 'admin-token-for-tests-0123456789';
const logged = (world: AdminWorld, level: string, message: string) =>
  world.logs.map((line) => JSON.parse(line)).filter((entry) => entry.level === level && entry.message === message);

/** The retries here take seconds (pg-boss's delays): a longer wait than `eventually`'s default. */
const waitFor = <T>(check: () => Promise<T | undefined | false>, what: string) => eventually(check, what, 20_000);

describe.each([
  ['pglite', true],
  ['postgres', hasPostgres],
] as const)('failed jobs and the dead-letter queue on %s', (kind, available) => {
  let world: AdminWorld;
  let failing = true;
  const attempts = new Map<string, number>();
  const routes = () => {
    const app = createAdminRoutes(world.admin, TOKEN);
    app.onError(createErrorHandler(createMemoryLogger().logger));
    return app;
  };
  const call = (method: string, path: string, token = TOKEN) =>
    routes().request(path, { method, headers: { authorization: `Bearer ${token}` } });

  beforeAll(async () => {
    if (!available) return;
    world = await openAdminWorld(kind);
    // meet.space-setup: 3 attempts, retried at once in this world (each at the next poll, 0.5 s).
    await world.queue.work('meet.space-setup', async ({ sessionId }) => {
      attempts.set(sessionId, (attempts.get(sessionId) ?? 0) + 1);
      if (failing) throw new Error(`Meet API unavailable for ${sessionId}`);
    });
  });
  afterAll(async () => world?.close());
  beforeEach((context) => {
    if (!available) context.skip();
  });

  it('logs each failed attempt, moves the exhausted job to the dead-letter queue, and an admin retry runs it again', async () => {
    const sessionId = randomUUID();
    await world.database.db.transaction((tx) => world.queue.enqueue(tx, 'meet.space-setup', { sessionId }));
    const [dead] = await waitFor(async () => {
      const jobs = await world.admin.listFailedJobs();
      const mine = jobs.filter((job) => (job.data as { sessionId?: string }).sessionId === sessionId);
      return mine.length > 0 && mine;
    }, 'the job in the dead-letter queue');
    expect(dead).toMatchObject({ queue: 'meet.space-setup', attempts: 3, reason: `Meet API unavailable for ${sessionId}` });
    expect(attempts.get(sessionId)).toBe(3);

    const warnings = logged(world, 'warn', 'job attempt failed: it will be retried').filter((entry) => entry.reason.includes(sessionId));
    expect(warnings.map((entry) => entry.attempt)).toEqual([1, 2]);
    expect(warnings[0]).toMatchObject({ queue: 'meet.space-setup', attempts: 3 });
    const last = logged(world, 'error', 'job failed for the last time: moved to the dead-letter queue').filter((entry) =>
      entry.reason.includes(sessionId),
    );
    expect(last).toMatchObject([{ queue: 'meet.space-setup', attempt: 3 }]);

    const listed = await call('GET', '/jobs?state=failed');
    expect(listed.status).toBe(200);
    expect((await listed.json()).jobs).toContainEqual(
      expect.objectContaining({ id: dead!.id, queue: 'meet.space-setup', attempts: 3, data: { sessionId } }),
    );
    expect(await runAdminCommand(world.admin, ['jobs', 'failed'], {}, { db: world.database.db })).toMatch(
      new RegExp(`${dead!.id}\\s+meet\\.space-setup\\s+3\\s`),
    );

    failing = false;
    const retried = await call('POST', `/jobs/${dead!.id}/retry`);
    expect(retried.status).toBe(200);
    expect(await retried.json()).toEqual({ id: dead!.id, queue: 'meet.space-setup', retried: true });
    await waitFor(async () => attempts.get(sessionId) === 4, 'the retried job to run');
    expect((await world.admin.listFailedJobs()).map((job) => job.id)).not.toContain(dead!.id);
    // Retried once: a second retry of the same id finds nothing.
    const again = await call('POST', `/jobs/${dead!.id}/retry`);
    expect(again.status).toBe(404);
    expect((await again.json()).error.message).toMatch(/No failed job with this id/);
    failing = true;
  });

  it('retries from the CLI, and refuses a bad id or state with a clear message', async () => {
    const sessionId = randomUUID();
    await world.database.db.transaction((tx) => world.queue.enqueue(tx, 'meet.space-setup', { sessionId }));
    const dead = await waitFor(
      async () => (await world.admin.listFailedJobs()).find((job) => (job.data as { sessionId?: string }).sessionId === sessionId),
      'the job in the dead-letter queue',
    );
    failing = false;
    expect(await runAdminCommand(world.admin, ['jobs', 'retry', dead.id], {}, { db: world.database.db })).toBe(
      'Queued again on meet.space-setup: a backend with workers runs it at its next poll.',
    );
    await waitFor(async () => attempts.get(sessionId) === 4, 'the retried job to run');
    failing = true;

    await expect(runAdminCommand(world.admin, ['jobs', 'retry', 'nope'], {}, { db: world.database.db })).rejects.toThrow(
      'the id must be a UUID',
    );
    expect((await call('GET', '/jobs?state=active')).status).toBe(400);
    expect((await call('GET', '/jobs')).status).toBe(400);
    expect((await call('POST', `/jobs/${randomUUID()}/retry`)).status).toBe(404);
    expect((await call('GET', '/jobs?state=failed', 'wrong-token')).status).toBe(401);
  });

  it('logs an attempt pg-boss failed by itself (its instance died mid-job) when the job runs again', async () => {
    const sessionId = randomUUID();
    await world.database.db.transaction((tx) => world.queue.enqueue(tx, 'calendar.discard-event', { sessionId }));
    // What pg-boss's supervisor writes when an active job outlives its expireInSeconds (plans.js, failJobsByTimeout).
    await world.database.db.execute(sql`
      update pgboss.job set state = 'retry', retry_count = 1, output = '{"message":"job timed out"}'::jsonb
      where name = 'calendar.discard-event' and data->>'sessionId' = ${sessionId}`);
    const seen: number[] = [];
    await world.queue.work('calendar.discard-event', async (data, { attempt }) => {
      if (data.sessionId === sessionId) seen.push(attempt);
    });
    await waitFor(async () => seen.length > 0, 'the job to run again');
    expect(seen).toEqual([2]);
    const message = 'job attempt timed out (its instance stopped, or it ran past its expiry): it is being retried';
    expect(logged(world, 'warn', message).filter((entry) => entry.jobId)).toMatchObject([
      { queue: 'calendar.discard-event', attempt: 1, attempts: 7, reason: 'job timed out' },
    ]);
  });
});
