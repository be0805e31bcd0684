import { profileArgs } from './backend-under-test.ts';
import { startBenchServer, type BenchServer } from './bench-server-client.ts';
import { click, describeFailure } from './click.ts';
import type { SeededSolver } from './seed.ts';
import { summarize, type Summary } from './stats.ts';
import type { World } from './world.ts';

export type GrowthPoint = {
  label: string;
  storedPerSolver: number;
  totalSessions: number;
  clickToLink: Summary;
};

export type CostGrowthResult = {
  points: GrowthPoint[];
  tables: { before: Record<string, number>; after: Record<string, number> };
  errors: number;
  examples: string[];
};

export type CostGrowthOptions = {
  levels: number[];
  totalSessions: number;
  solversPerLevel: number;
  samplesPerPoint: number;
  log: (line: string) => void;
};

/**
 * Click-to-link p50 of ours as data piles up. First a nearly empty database (1 stored session per solver), then the
 * same with solvers holding 1, 10, 100 and 1000 past sessions each (ended, with link, SMS and audit rows) and filler
 * solvers bringing the total to `totalSessions`; the levels are measured round-robin so drifts hit them alike.
 */
export async function measureCostGrowth(world: World, options: CostGrowthOptions): Promise<CostGrowthResult> {
  const server = await startBenchServer(world, 'cost-growth-pglite', 'pglite', profileArgs('cost-growth-pglite'));
  try {
    const groups = new Map<number, SeededSolver[]>();
    let next = 0;
    for (const level of options.levels) {
      groups.set(level, await server.seedSolvers(next, options.solversPerLevel));
      next += options.solversPerLevel;
    }
    const allSolvers = [...groups.values()].flat();
    // A warm-up as long as one measured point (JIT, token exchange, caches), so the first point starts warm too.
    const warmupRounds = Math.ceil(options.samplesPerPoint / allSolvers.length);
    const perSolver = Math.ceil(options.samplesPerPoint / options.solversPerLevel) * 2 + warmupRounds;
    const fresh = await server.seedFreshSessions(
      allSolvers.map((solver) => solver.id),
      perSolver,
    );
    const tokens = new Map<string, string>();
    for (const solver of allSolvers) tokens.set(solver.id, await world.token(solver.id));

    let errors = 0;
    const examples: string[] = [];
    const clickFor = async (solver: SeededSolver) => {
      const sessionId = fresh[solver.id]!.pop();
      if (!sessionId) throw new Error('ran out of seeded sessions');
      const result = await click(server.oursUrl, tokens.get(solver.id)!, sessionId);
      if (!result.ok) {
        errors += 1;
        if (examples.length < 3) examples.push(describeFailure(result));
      }
      return result.ms;
    };
    const smallest = options.levels[0]!;
    const measure = async (levels: number[]) => {
      const samples = new Map<number, number[]>(levels.map((level) => [level, []]));
      for (let i = 0; i < options.samplesPerPoint; i++) {
        for (const level of levels) {
          const solvers = groups.get(level)!;
          samples.get(level)!.push(await clickFor(solvers[i % solvers.length]!));
        }
      }
      await server.drained(60_000);
      return samples;
    };

    // Warm-up; the first call per solver also exchanges its token with Google (cached afterwards).
    for (let round = 0; round < warmupRounds; round++) for (const solver of allSolvers) await clickFor(solver);
    errors = 0;
    // Every point starts with the deliveries of the clicks before it done, the first one too.
    await server.drained(60_000);

    // 1. Nearly empty: only the smallest level's stored sessions exist.
    for (const solver of groups.get(smallest)!) await server.seedStoredSessions(solver, smallest);
    const before = await server.counts();
    options.log(`  ${before.tables.sessions} sessions in total: ${options.samplesPerPoint} clicks`);
    const small = await measure([smallest]);
    const points: GrowthPoint[] = [
      {
        label: `${smallest} stored / solver, ${before.tables.sessions} in total`,
        storedPerSolver: smallest,
        totalSessions: before.tables.sessions,
        clickToLink: summarize(small.get(smallest)!),
      },
    ];

    // 2. Grow: every level's solvers get their history, filler solvers bring the total up.
    options.log(`  seeding up to ${options.totalSessions} sessions`);
    for (const level of options.levels.slice(1)) {
      for (const solver of groups.get(level)!) await server.seedStoredSessions(solver, level);
    }
    await fill(server, next, options.totalSessions);
    const after = await server.counts();
    options.log(`  ${after.tables.sessions} sessions in total: ${options.samplesPerPoint} clicks per level, round-robin`);
    const grown = await measure(options.levels);
    for (const level of options.levels) {
      points.push({
        label: `${level} stored / solver, ${after.tables.sessions} in total`,
        storedPerSolver: level,
        totalSessions: after.tables.sessions,
        clickToLink: summarize(grown.get(level)!),
      });
    }
    const flat = (counts: Awaited<ReturnType<BenchServer['counts']>>) => ({
      ...counts.tables,
      jobs: Object.values(counts.jobs).reduce((sum, n) => sum + n, 0),
    });
    return { points, tables: { before: flat(before), after: flat(await server.counts()) }, errors, examples };
  } finally {
    await server.stop();
  }
}

/** Filler solvers with 500 past sessions each until the database holds `total` sessions. */
async function fill(server: BenchServer, firstIndex: number, total: number): Promise<void> {
  let missing = total - (await server.counts()).tables.sessions;
  let index = firstIndex;
  while (missing > 0) {
    const [solver] = await server.seedSolvers(index++, 1);
    const count = Math.min(500, missing);
    await server.seedStoredSessions(solver!, count);
    missing -= count;
  }
}
