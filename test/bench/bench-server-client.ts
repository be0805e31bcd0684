import { startOnFreshDatabase, type DatabaseKind } from './backend-under-test.ts';
import { freePort, type ServerChild } from './child-process.ts';
import type { SeededSolver } from './seed.ts';
import type { World } from './world.ts';

export type BenchServer = {
  /** Ours: the real backend. */
  oursUrl: string;
  /** The sequential baseline on the same database. */
  baselineUrl: string;
  child: ServerChild;
  seedSolvers(first: number, count: number): Promise<SeededSolver[]>;
  seedFreshSessions(solverIds: string[], perSolver: number): Promise<Record<string, string[]>>;
  seedStoredSessions(solver: SeededSolver, count: number): Promise<void>;
  /**
   * Jobs by state (all; and `deliveryJobs`: all but the attendance poll chains), table sizes, and Meet spaces by
   * access state (`applied`, `failed`, `pending`…).
   */
  counts(): Promise<{
    jobs: Record<string, number>;
    deliveryJobs: Record<string, number>;
    tables: { sessions: number; sms: number; audit: number };
    spaces: Record<string, number>;
  }>;
  /**
   * Attendance: polls done (the chains' `poll_seq` summed), spaces whose customer was seen, spaces resolved, Meet
   * events subscriptions by state, and the delay (s) each live poll chain chose for its waiting next poll.
   */
  attendance(): Promise<{
    polls: number;
    customersSeen: number;
    spacesResolved: number;
    subscriptions: Record<string, number>;
    nextPollDelaysSec: number[];
  }>;
  /**
   * Waits until no job is waiting or running (SMS, realtime, host events and the Meet access step done), up to
   * `timeoutMs`; live sessions' attendance poll chains do not count.
   */
  drained(timeoutMs?: number): Promise<boolean>;
  stop(): Promise<void>;
};

/** Starts `bench-server.ts` on a fresh database (see `startOnFreshDatabase`); `env` adds to (or overrides) the world's. */
export async function startBenchServer(
  world: World,
  name: string,
  database: DatabaseKind,
  nodeArgs: string[] = [],
  env: Record<string, string> = {},
): Promise<BenchServer> {
  const [port, controlPort] = [await freePort(), await freePort()];
  const { child, stop } = await startOnFreshDatabase(database, {
    name,
    entry: 'test/bench/bench-server.ts',
    env: { ...world.backendEnv, ...env, BENCH_CONTROL_PORT: String(controlPort) },
    port,
    nodeArgs,
  });
  const baselineUrl = `http://127.0.0.1:${controlPort}`;
  const post = async <T>(path: string, body: unknown): Promise<T> => {
    const response = await fetch(`${baselineUrl}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    if (!response.ok) throw new Error(`${path}: ${response.status} ${await response.text()}`);
    return (await response.json()) as T;
  };
  const counts = async () => (await (await fetch(`${baselineUrl}/__bench/counts`)).json()) as Awaited<ReturnType<BenchServer['counts']>>;
  return {
    oursUrl: child.url,
    baselineUrl,
    child,
    seedSolvers: (first, count) => post('/__bench/solvers', { first, count }),
    seedFreshSessions: (solverIds, perSolver) => post('/__bench/fresh-sessions', { solverIds, perSolver }),
    seedStoredSessions: (solver, count) => post('/__bench/stored-sessions', { solver, count }),
    counts,
    attendance: async () =>
      (await (await fetch(`${baselineUrl}/__bench/attendance`)).json()) as Awaited<ReturnType<BenchServer['attendance']>>,
    async drained(timeoutMs = 60_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const { deliveryJobs: jobs } = await counts();
        if (!(jobs.created || jobs.active || jobs.retry)) return true;
        if (Date.now() > deadline) return false;
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    },
    stop,
  };
}
