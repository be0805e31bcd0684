import { attendanceEnv, type AttendanceMode } from './attendance-events.ts';
import { profileArgs, type DatabaseKind } from './backend-under-test.ts';
import { startBenchServer } from './bench-server-client.ts';
import { click, describeFailure } from './click.ts';
import type { SeededSolver } from './seed.ts';
import { summarize, type Summary } from './stats.ts';
import { OUTSIDE_LATENCY_MS, type World } from './world.ts';

export type ClickToLinkResult = {
  database: DatabaseKind;
  attendance: AttendanceMode;
  samplesEach: number;
  lanes: number;
  ours: Summary;
  baseline: Summary;
  /** A bare HTTP request to the Calendar emulator (loopback + 200 ms): the floor nobody can beat. */
  calendarFloor: Summary;
  /** Ours minus the Calendar latency (200 ms). */
  oursOverheadMs: { p50: number; p99: number };
  /** Baseline p50 / ours p50. */
  speedupP50: number;
  speedupP99: number;
  errors: { ours: number; baseline: number; examples: string[] };
  /** Every SMS and realtime job of ours' links delivered afterwards. */
  oursDeliveriesDrained: boolean;
};

export type ClickToLinkOptions = {
  database: DatabaseKind;
  /** Clicks of ours: a p99 needs many more than a p50. */
  samples: number;
  /** Clicks of the baseline, interleaved with ours (only its p50 enters a target). */
  baselineSamples: number;
  lanes: number;
  warmupPerSolver: number;
  /** MEET_ATTENDANCE_SOURCE of the backend (default `poll`): each escalated session keeps a poll chain or a subscription. */
  attendance?: AttendanceMode;
  log: (line: string) => void;
};

/** Latency figures on Node's fetch (undici, keep-alive), one request at a time per lane. */
export async function measureClickToLink(world: World, options: ClickToLinkOptions): Promise<ClickToLinkResult> {
  const attendance = options.attendance ?? 'poll';
  const name = `click-to-link-${options.database}${attendance === 'events' ? '-events' : ''}`;
  const server = await startBenchServer(world, name, options.database, profileArgs(name), attendanceEnv(attendance));
  try {
    const iterationsPerLane = Math.ceil(options.samples / options.lanes);
    // Ours allows 30 link creations per solver per minute; a lane does ~65 per minute, so it rotates solvers.
    const solversPerLane = Math.max(1, Math.ceil(iterationsPerLane / 15));
    const solvers = await server.seedSolvers(0, options.lanes * solversPerLane);
    const perSolver = Math.ceil(iterationsPerLane / solversPerLane) + options.warmupPerSolver;
    // Separate sessions for ours and the baseline: each escalation needs a session that has no link yet.
    const oursSessions = await server.seedFreshSessions(
      solvers.map((solver) => solver.id),
      perSolver,
    );
    const baselineEvery = Math.max(1, Math.round(options.samples / options.baselineSamples));
    const baselineSessions = await server.seedFreshSessions(
      solvers.map((solver) => solver.id),
      Math.ceil(perSolver / baselineEvery) + options.warmupPerSolver,
    );
    const tokens = new Map<string, string>();
    for (const solver of solvers) tokens.set(solver.id, await world.token(solver.id));

    const errors = { ours: 0, baseline: 0, examples: [] as string[] };
    const next = (pool: Record<string, string[]>, solver: SeededSolver) => {
      const id = pool[solver.id]!.pop();
      if (!id) throw new Error('ran out of seeded sessions');
      return id;
    };
    const run = async (system: 'ours' | 'baseline', solver: SeededSolver) => {
      const url = system === 'ours' ? server.oursUrl : server.baselineUrl;
      const result = await click(url, tokens.get(solver.id)!, next(system === 'ours' ? oursSessions : baselineSessions, solver));
      if (!result.ok) {
        errors[system] += 1;
        if (errors.examples.length < 5) errors.examples.push(`${system}: ${describeFailure(result)}`);
      }
      return result;
    };

    // Warm-up: the first call per solver exchanges the service-account token (cached afterwards), and JIT.
    options.log(`  warm-up: ${solvers.length} solvers × ${options.warmupPerSolver} clicks on each side`);
    for (let round = 0; round < options.warmupPerSolver; round++) {
      await Promise.all(
        Array.from({ length: options.lanes }, async (_, lane) => {
          for (const solver of solvers.slice(lane * solversPerLane, (lane + 1) * solversPerLane)) {
            await run('ours', solver);
            await run('baseline', solver);
          }
        }),
      );
    }
    errors.ours = 0;
    errors.baseline = 0;
    errors.examples = [];

    const probeToken = world.emulators.google.issueAccessToken({
      email: solvers[0]!.email,
      audience: 'bench',
      scopes: ['https://www.googleapis.com/auth/calendar'],
    });
    const floorProbe = async () => {
      const started = performance.now();
      const response = await fetch(`${world.emulators.google.url}/calendar/v3/calendars/${encodeURIComponent(solvers[0]!.email)}/events`, {
        method: 'POST',
        headers: { authorization: `Bearer ${probeToken}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          start: { dateTime: new Date().toISOString() },
          end: { dateTime: new Date(Date.now() + 3_600_000).toISOString() },
        }),
      });
      await response.arrayBuffer();
      return performance.now() - started;
    };

    const samples = { ours: [] as number[], baseline: [] as number[], floor: [] as number[] };
    options.log(
      `  measuring: ${options.samples} clicks of ours, ${options.baselineSamples} of the baseline, ${options.lanes} lanes, interleaved`,
    );
    let done = 0;
    await Promise.all(
      Array.from({ length: options.lanes }, async (_, lane) => {
        // Lanes start apart so their requests do not line up.
        await new Promise((resolve) => setTimeout(resolve, (lane * 900) / options.lanes));
        const mine = solvers.slice(lane * solversPerLane, (lane + 1) * solversPerLane);
        for (let i = 0; i < iterationsPerLane; i++) {
          const solver = mine[i % mine.length]!;
          // The baseline every `baselineEvery` rounds; who goes first alternates, so neither always follows the
          // other's background work.
          const round = i / baselineEvery;
          const order: ('ours' | 'baseline')[] =
            i % baselineEvery !== 0 ? ['ours'] : round % 2 === 0 ? ['ours', 'baseline'] : ['baseline', 'ours'];
          for (const system of order) samples[system].push((await run(system, solver)).ms);
          if (i % 12 === (lane * 4) % 12) samples.floor.push(await floorProbe());
          if (++done % 100 === 0) options.log(`    ${done}/${iterationsPerLane * options.lanes}`);
        }
      }),
    );

    const drained = await server.drained(120_000);
    const ours = summarize(samples.ours);
    const baseline = summarize(samples.baseline);
    return {
      database: options.database,
      attendance,
      samplesEach: ours.n,
      lanes: options.lanes,
      ours,
      baseline,
      calendarFloor: summarize(samples.floor),
      oursOverheadMs: { p50: ours.p50 - OUTSIDE_LATENCY_MS.calendar, p99: ours.p99 - OUTSIDE_LATENCY_MS.calendar },
      speedupP50: baseline.p50 / ours.p50,
      speedupP99: baseline.p99 / ours.p99,
      errors,
      oursDeliveriesDrained: drained,
    };
  } finally {
    await server.stop();
  }
}
