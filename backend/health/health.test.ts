import { sql } from 'drizzle-orm';
import { afterEach, describe, expect, it } from 'vitest';
import { memoryPglite } from '../../test/support/pglite-template.ts';
import { createScratchDatabase, postgresAvailable, warnPostgresSkipped } from '../../test/support/postgres.ts';
import { openDatabase, type DatabaseHandle } from '../db/client.ts';
import { loadConfig } from '../env.ts';
import { startJobQueue } from '../jobs/job-queue.ts';
import { createMemoryLogger } from '../logger.ts';
import { createHealth } from './health.ts';
import { createHealthRoutes } from './routes.ts';

const hasPostgres = await postgresAvailable();
if (!hasPostgres) warnPostgresSkipped('health probes on postgres');

describe.each([
  ['pglite', true],
  ['postgres', hasPostgres],
] as const)('health probes on %s', (kind, available) => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => {});
  });

  /** A backend's database and job queue, and its /health routes. */
  async function world() {
    const scratch = kind === 'postgres' ? await createScratchDatabase() : undefined;
    if (scratch) cleanups.push(scratch.drop);
    const database: DatabaseHandle = await openDatabase(scratch ? { kind: 'postgres', url: scratch.url } : await memoryPglite());
    cleanups.push(() => database.close());
    const queue = await startJobQueue(database, createMemoryLogger().logger);
    cleanups.push(() => queue.stop());
    const config = loadConfig(scratch ? { DATABASE_URL: scratch.url } : { PGLITE_DATA_DIR: 'memory://' });
    const routes = createHealthRoutes(createHealth(config, database, queue.isRunning));
    const get = async (path: string) => {
      const response = await routes.request(path);
      return { status: response.status, body: await response.json() };
    };
    return { database, queue, get };
  }
  // Each test opens its own database: PGlite takes seconds to start on a loaded machine.
  const SLOW = { timeout: 60_000 };

  it.runIf(available)('is live and ready once the database is migrated and the queue started; /health stays', SLOW, async () => {
    const { get } = await world();
    expect(await get('/live')).toEqual({ status: 200, body: { status: 'ok' } });
    expect(await get('/ready')).toEqual({
      status: 200,
      body: { ready: true, checks: { database: true, migrations: true, jobQueue: true } },
    });
    expect(await get('/')).toMatchObject({ status: 200, body: { status: 'ok', database: { kind, ok: true } } });
  });

  it.runIf(available)('is not ready with a migration missing', SLOW, async () => {
    const { database, get } = await world();
    await database.db.execute(sql`delete from drizzle.__drizzle_migrations where id = (select max(id) from drizzle.__drizzle_migrations)`);
    expect(await get('/ready')).toEqual({
      status: 503,
      body: { ready: false, checks: { database: true, migrations: false, jobQueue: true } },
    });
    expect((await get('/live')).status).toBe(200);
  });

  it.runIf(available)('is not ready once the job queue stopped, nor when the database is gone', SLOW, async () => {
    const { database, queue, get } = await world();
    await queue.stop();
    expect(await get('/ready')).toEqual({
      status: 503,
      body: { ready: false, checks: { database: true, migrations: true, jobQueue: false } },
    });
    await database.close();
    expect(await get('/ready')).toEqual({
      status: 503,
      body: { ready: false, checks: { database: false, migrations: false, jobQueue: false } },
    });
    expect((await get('/')).status).toBe(503);
    expect((await get('/live')).status).toBe(200);
  });
});
