import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hc } from 'hono/client';
import type { AppType } from '../../backend/app.ts';
import type { CreateSolverRequest } from '../../shared/index.ts';
import { createScratchDatabase, postgresAvailable, TEST_DATABASE_URL } from '../support/postgres.ts';
import { freePort, RESULTS_DIR, startServerChild, type ServerChild } from './child-process.ts';
import { ADMIN_TOKEN, type World } from './world.ts';

export type DatabaseKind = 'pglite' | 'postgres';

export type BackendUnderTest = ServerChild & {
  database: DatabaseKind;
  /** postgres:// of its scratch database (Postgres only), for bulk seeding. */
  databaseUrl?: string;
  /** Hono's client typed by the backend's routes, at this process. */
  api: BackendApi;
  /** `POST /api/admin/solvers` with the admin token: the new solver's id. */
  createSolver(input: CreateSolverRequest): Promise<string>;
};

export type BackendApi = ReturnType<typeof hc<AppType>>;

/** The backend's readiness probe, named by its route. */
const HEALTH_PATH = hc<AppType>('http://backend').health.$path();

/**
 * `backend/server.ts` as `npm start` runs it, in its own process, on a fresh PGlite data directory or a fresh
 * scratch database on the real Postgres server. Its request log goes to a file under test/bench/results/.
 */
export async function startBackendUnderTest(
  world: World,
  database: DatabaseKind,
  name: string,
  nodeArgs: string[] = profileArgs(name),
): Promise<BackendUnderTest> {
  const port = await freePort();
  const { child, databaseUrl, stop } = await startOnFreshDatabase(database, {
    name,
    entry: 'backend/server.ts',
    env: { ...world.backendEnv, PUBLIC_BASE_URL: `http://127.0.0.1:${port}` },
    port,
    nodeArgs,
  });
  const api = hc<AppType>(child.url);
  return {
    ...child,
    database,
    databaseUrl,
    api,
    async createSolver(input) {
      const response = await api.api.admin.solvers.$post({ json: input }, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
      if (response.status !== 201) throw new Error(`create solver: ${response.status} ${await response.text()}`);
      return (await response.json()).id;
    },
    stop,
  };
}

/**
 * A server process on a fresh PGlite data directory (on disk, as `npm start` keeps it) or a fresh scratch database
 * on the real Postgres server; `stop()` removes the data with the process.
 */
export async function startOnFreshDatabase(
  database: DatabaseKind,
  options: { name: string; entry: string; env: Record<string, string>; port: number; nodeArgs: string[] },
): Promise<{ child: ServerChild; databaseUrl?: string; stop(): Promise<void> }> {
  const pgliteDir = database === 'pglite' ? mkdtempSync(join(tmpdir(), 'ssm-bench-pglite-')) : undefined;
  const scratch = database === 'postgres' ? await createScratchDatabase() : undefined;
  const cleanup = async () => {
    if (pgliteDir) rmSync(pgliteDir, { recursive: true, force: true });
    await scratch?.drop();
  };
  try {
    const child = await startServerChild({
      ...options,
      env: { ...options.env, ...(scratch ? { DATABASE_URL: scratch.url } : { PGLITE_DATA_DIR: pgliteDir! }) },
      readyPath: HEALTH_PATH,
    });
    return {
      child,
      databaseUrl: scratch?.url,
      async stop() {
        await child.stop();
        await cleanup();
      },
    };
  } catch (error) {
    await cleanup();
    throw error;
  }
}

/**
 * `BENCH_CPU_PROFILE=1`: the backends under test write a V8 CPU profile (open in Chrome DevTools) to
 * test/bench/results/profiles/ when they stop.
 */
export function profileArgs(name: string): string[] {
  return process.env.BENCH_CPU_PROFILE
    ? ['--cpu-prof', `--cpu-prof-dir=${RESULTS_DIR}/profiles`, `--cpu-prof-name=${name}.cpuprofile`]
    : [];
}

/** Whether the real Postgres server answers; says so loudly when it does not. */
export async function checkPostgres(log: (line: string) => void): Promise<boolean> {
  if (await postgresAvailable()) return true;
  const line = '!'.repeat(100);
  log(
    `\n${line}\n!! SKIPPED: the Postgres measurements need a real server at ${TEST_DATABASE_URL.replace(/:[^:@/]*@/, ':***@')}\n!! (set TEST_DATABASE_URL or start PostgreSQL). They did NOT run.\n${line}\n`,
  );
  return false;
}
