import { startBackendUnderTest, type BackendUnderTest, type DatabaseKind } from './backend-under-test.ts';
import { freePort, startServerChild, type ServerChild } from './child-process.ts';
import { runLoad, type LoadResult } from './load.ts';
import { solverEmail, type World } from './world.ts';

export type ThroughputFigure = {
  requestsPerSecond: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
  /** Per round, in the order run. */
  rounds: LoadResult[];
  failures: number;
};

export type ThroughputResult = {
  connections: number;
  durationSec: number;
  rounds: number;
  helloWorld: ThroughputFigure;
  canUse: Partial<Record<DatabaseKind, ThroughputFigure & { ratioToHelloWorld: number; peakRssMiB: number }>>;
  skipped: string[];
};

export type ThroughputOptions = {
  connections: number;
  durationSec: number;
  warmupSec: number;
  rounds: number;
  databases: DatabaseKind[];
  skipped: string[];
  log: (line: string) => void;
};

function combine(rounds: LoadResult[]): ThroughputFigure {
  const mean = (pick: (round: LoadResult) => number) => rounds.reduce((sum, round) => sum + pick(round), 0) / rounds.length;
  return {
    requestsPerSecond: mean((round) => round.requestsPerSecond),
    latencyP50Ms: mean((round) => round.latencyP50Ms),
    // The worst round's tail: a mean of p99s would hide a bad one.
    latencyP99Ms: Math.max(...rounds.map((round) => round.latencyP99Ms)),
    rounds,
    failures: rounds.reduce((sum, round) => sum + round.non2xx + round.errors + round.timeouts, 0),
  };
}

/**
 * `GET /api/meet/can-use` with a solver's session token (JWT check + the solver re-read from the database) under
 * autocannon at a fixed concurrency, against a bare Hono hello-world, each server in its own process and the load
 * generator in another. Targets alternate round by round so drifts of the machine hit all of them alike.
 */
export async function measureThroughput(world: World, options: ThroughputOptions): Promise<ThroughputResult> {
  const hello: ServerChild = await startServerChild({
    name: 'hello-world',
    entry: 'test/bench/hello-server.ts',
    env: {},
    port: await freePort(),
  });
  const backends: { backend: BackendUnderTest; token: string }[] = [];
  try {
    for (const database of options.databases) {
      options.log(`  starting backend/server.ts on ${database}`);
      const backend = await startBackendUnderTest(world, database, `throughput-${database}`);
      const email = solverEmail(0);
      const solverId = await backend.createSolver({
        name: 'Throughput Solver',
        email,
        employment: 'employed',
        googleEmail: email,
      });
      const token = await world.token(solverId);
      const check = await backend.api.api.meet['can-use'].$get(undefined, { headers: { authorization: `Bearer ${token}` } });
      const body = await check.json();
      if (check.status !== 200 || body.canUse !== true) throw new Error(`canUse on ${database}: ${check.status} ${JSON.stringify(body)}`);
      backends.push({ backend, token });
    }

    const helloRounds: LoadResult[] = [];
    const canUseRounds = new Map<DatabaseKind, LoadResult[]>(backends.map(({ backend }) => [backend.database, []]));
    const load = (url: string, headers?: Record<string, string>) =>
      runLoad({ url, headers, connections: options.connections, durationSec: options.durationSec, warmupSec: options.warmupSec });
    for (let round = 1; round <= options.rounds; round++) {
      options.log(`  round ${round}/${options.rounds}: hello-world`);
      helloRounds.push(await load(`${hello.url}/`));
      for (const { backend, token } of backends) {
        options.log(`  round ${round}/${options.rounds}: canUseMeet on ${backend.database}`);
        const canUseUrl = backend.api.api.meet['can-use'].$url().href;
        canUseRounds.get(backend.database)!.push(await load(canUseUrl, { authorization: `Bearer ${token}` }));
      }
    }

    const helloWorld = combine(helloRounds);
    const canUse: ThroughputResult['canUse'] = {};
    for (const { backend } of backends) {
      const figure = combine(canUseRounds.get(backend.database)!);
      canUse[backend.database] = {
        ...figure,
        ratioToHelloWorld: figure.requestsPerSecond / helloWorld.requestsPerSecond,
        peakRssMiB: backend.memory().peakRssMiB,
      };
    }
    return {
      connections: options.connections,
      durationSec: options.durationSec,
      rounds: options.rounds,
      helloWorld,
      canUse,
      skipped: options.skipped,
    };
  } finally {
    await hello.stop();
    for (const { backend } of backends) await backend.stop();
  }
}
