import { meetingCodeOf } from '../../backend/meet-space/meeting-code.ts';
import { profileArgs, type DatabaseKind } from './backend-under-test.ts';
import { startBenchServer, type BenchServer } from './bench-server-client.ts';
import { click, describeFailure } from './click.ts';
import type { SeededSolver } from './seed.ts';
import { summarize, type Summary } from './stats.ts';
import type { World } from './world.ts';

export type ClickToSmsResult = {
  database: DatabaseKind;
  lanes: number;
  /** Click sent → the Twilio emulator accepted the customer's SMS, with Meet space control on (the access step in). */
  spaceControl: Summary;
  /** The same with MEET_SPACE_CONTROL=false: the SMS is queued with the link. */
  noSpaceControl: Summary;
  /** spaceControl / noSpaceControl. */
  ratioP50: number;
  ratioP99: number;
  /** What the access step adds for the customer, p50 (ms). */
  addedP50Ms: number;
  /**
   * Where the time goes between the click's answer and the SMS reaching Twilio, p50 of each step, from the
   * emulators' receive times: with the access step (answer → spaces.get → spaces.patch → Twilio) and without
   * (answer → Twilio). Each Meet call includes the emulated latency.
   */
  steps: {
    on: { answerToGet: number; getToPatch: number; patchToTwilio: number; twilioAccept: number };
    off: { answerToTwilio: number; twilioAccept: number };
  };
  /** Meet spaces of the measured backend by access state: every one should be `applied`. */
  spaces: Record<string, number>;
  errors: { on: number; off: number; examples: string[] };
};

export type ClickToSmsOptions = {
  database: DatabaseKind;
  /** Clicks on each backend. */
  samples: number;
  lanes: number;
  log: (line: string) => void;
};

type Side = 'on' | 'off';

/**
 * Click → customer SMS accepted, with and without the Meet access step: two bench servers side by side on their own
 * databases (one with MEET_SPACE_CONTROL=false), clicks interleaved between them, each lane waiting for its SMS
 * before the next click. The attendance poll chains are parked (first poll after an hour) so that the figure is
 * the access step alone; what polling costs is section 7.
 */
export async function measureClickToSms(world: World, options: ClickToSmsOptions): Promise<ClickToSmsResult> {
  const servers: Partial<Record<Side, BenchServer>> = {};
  const sms = watchSms(world);
  try {
    const [on, off] = await Promise.all([
      startBenchServer(world, `click-to-sms-on-${options.database}`, options.database, profileArgs(`click-to-sms-on-${options.database}`), {
        BENCH_POLL_CADENCE: JSON.stringify({ fastSeconds: 3600 }),
      }),
      startBenchServer(
        world,
        `click-to-sms-off-${options.database}`,
        options.database,
        profileArgs(`click-to-sms-off-${options.database}`),
        {
          MEET_SPACE_CONTROL: 'false',
        },
      ),
    ]);
    servers.on = on;
    servers.off = off;

    const iterationsPerLane = Math.ceil(options.samples / options.lanes);
    // 30 links per solver per minute: a lane makes fewer than one a second on each side, so 15 per solver is safe.
    const solversPerLane = Math.max(1, Math.ceil((iterationsPerLane + 1) / 15));
    const prepare = async (server: BenchServer) => {
      const solvers = await server.seedSolvers(0, options.lanes * solversPerLane);
      const perSolver = Math.ceil(iterationsPerLane / solversPerLane) + 1;
      const sessions = await server.seedFreshSessions(
        solvers.map((solver) => solver.id),
        perSolver,
      );
      const tokens = new Map<string, string>();
      for (const solver of solvers) tokens.set(solver.id, await world.token(solver.id));
      return { server, solvers, sessions, tokens };
    };
    const sides = { on: await prepare(on), off: await prepare(off) };

    const errors = { on: 0, off: 0, examples: [] as string[] };
    const samples: Record<Side, number[]> = { on: [], off: [] };
    const clicks: Record<Side, { link: string; answeredAt: number; acceptedAt: number }[]> = { on: [], off: [] };
    const run = async (side: Side, solverIndex: number, record: boolean) => {
      const { server, solvers, sessions, tokens } = sides[side];
      const solver: SeededSolver = solvers[solverIndex]!;
      const sessionId = sessions[solver.id]!.pop();
      if (!sessionId) throw new Error('ran out of seeded sessions');
      const sentAt = Date.now();
      const result = await click(server.oursUrl, tokens.get(solver.id)!, sessionId);
      const answeredAt = Date.now();
      const fail = (why: string) => {
        if (!record) return;
        errors[side] += 1;
        if (errors.examples.length < 5) errors.examples.push(`${side}: ${why}`);
      };
      if (!result.ok || !result.body.meetLink) return fail(describeFailure(result));
      const acceptedAt = await sms.accepted(result.body.meetLink, 30_000);
      if (acceptedAt === undefined) return fail(`no SMS within 30 s for ${result.body.meetLink}`);
      if (!record) return;
      samples[side].push(acceptedAt - sentAt);
      clicks[side].push({ link: result.body.meetLink, answeredAt, acceptedAt });
    };

    // Warm-up: one click per solver on each side (token exchanges: Calendar's, and Meet's on the side with it).
    options.log(`  warm-up: ${sides.on.solvers.length} solvers × 1 click on each side`);
    await Promise.all(
      Array.from({ length: options.lanes }, async (_, lane) => {
        for (let k = lane * solversPerLane; k < (lane + 1) * solversPerLane; k++) {
          await run('on', k, false);
          await run('off', k, false);
        }
      }),
    );

    options.log(`  measuring: ${options.samples} clicks on each side, ${options.lanes} lanes, interleaved, each waiting for its SMS`);
    await Promise.all(
      Array.from({ length: options.lanes }, async (_, lane) => {
        await new Promise((resolve) => setTimeout(resolve, (lane * 900) / options.lanes));
        for (let i = 0; i < iterationsPerLane; i++) {
          const solverIndex = lane * solversPerLane + (i % solversPerLane);
          // Who goes first alternates, so neither always follows the other's background work.
          for (const side of i % 2 === 0 ? (['on', 'off'] as const) : (['off', 'on'] as const)) await run(side, solverIndex, true);
        }
      }),
    );

    const spaceControl = summarize(samples.on);
    const noSpaceControl = summarize(samples.off);
    return {
      database: options.database,
      lanes: options.lanes,
      spaceControl,
      noSpaceControl,
      ratioP50: spaceControl.p50 / noSpaceControl.p50,
      ratioP99: spaceControl.p99 / noSpaceControl.p99,
      addedP50Ms: spaceControl.p50 - noSpaceControl.p50,
      steps: stepsOf(world, clicks),
      spaces: (await on.counts()).spaces,
      errors,
    };
  } finally {
    sms.stop();
    await Promise.all([servers.on?.stop(), servers.off?.stop()]);
  }
}

/** The p50 of each step of the clicks measured, matched to the emulators' requests by meeting code and link. */
function stepsOf(
  world: World,
  clicks: Record<Side, { link: string; answeredAt: number; acceptedAt: number }[]>,
): ClickToSmsResult['steps'] {
  const { google, twilio } = world.emulators;
  const firstAt = (requests: { path: string; receivedAt: number }[]) => {
    const byPath = new Map<string, number>();
    for (const request of requests) if (!byPath.has(request.path)) byPath.set(request.path, request.receivedAt);
    return byPath;
  };
  const gets = firstAt(google.requests('spaces.get'));
  const patches = firstAt(google.requests('spaces.patch'));
  const toTwilio = new Map<string, number>();
  for (const request of twilio.requests('messages.create')) {
    const link = /https?:\/\/\S+/.exec(String(request.body?.Body ?? ''))?.[0];
    if (link && !toTwilio.has(link)) toTwilio.set(link, request.receivedAt);
  }
  const p50 = (values: number[]) => summarize(values.filter(Number.isFinite)).p50;
  const on = clicks.on.map(({ link, answeredAt, acceptedAt }) => {
    const code = meetingCodeOf(link) ?? '';
    const get = gets.get(`/v2/spaces/${code}`) ?? Number.NaN;
    const patch = patches.get(`/v2/${google.meet.space(code)?.name ?? '?'}`) ?? Number.NaN;
    const sms = toTwilio.get(link) ?? Number.NaN;
    return { answerToGet: get - answeredAt, getToPatch: patch - get, patchToTwilio: sms - patch, twilioAccept: acceptedAt - sms };
  });
  const off = clicks.off.map(({ link, answeredAt, acceptedAt }) => {
    const sms = toTwilio.get(link) ?? Number.NaN;
    return { answerToTwilio: sms - answeredAt, twilioAccept: acceptedAt - sms };
  });
  return {
    on: {
      answerToGet: p50(on.map((step) => step.answerToGet)),
      getToPatch: p50(on.map((step) => step.getToPatch)),
      patchToTwilio: p50(on.map((step) => step.patchToTwilio)),
      twilioAccept: p50(on.map((step) => step.twilioAccept)),
    },
    off: {
      answerToTwilio: p50(off.map((step) => step.answerToTwilio)),
      twilioAccept: p50(off.map((step) => step.twilioAccept)),
    },
  };
}

/**
 * When the Twilio emulator accepted the SMS carrying a Meet link: its `dateCreated`, set once the emulated 400 ms
 * have passed (the moment Twilio answers 201), on the bench process's clock like the click's start.
 */
function watchSms(world: World) {
  const arrived = new Map<string, number>();
  const waiting = new Map<string, (acceptedAt: number) => void>();
  let seen = world.emulators.twilio.messages().length;
  const timer = setInterval(() => {
    const messages = world.emulators.twilio.messages();
    for (; seen < messages.length; seen++) {
      const message = messages[seen]!;
      const link = /https?:\/\/\S+/.exec(message.body)?.[0];
      if (!link) continue;
      const acceptedAt = message.dateCreated.getTime();
      const resolve = waiting.get(link);
      if (resolve) {
        waiting.delete(link);
        resolve(acceptedAt);
      } else arrived.set(link, acceptedAt);
    }
  }, 10);
  return {
    accepted(link: string, timeoutMs: number): Promise<number | undefined> {
      const already = arrived.get(link);
      if (already !== undefined) {
        arrived.delete(link);
        return Promise.resolve(already);
      }
      return new Promise((resolve) => {
        const timeout = setTimeout(() => {
          waiting.delete(link);
          resolve(undefined);
        }, timeoutMs);
        waiting.set(link, (acceptedAt) => {
          clearTimeout(timeout);
          resolve(acceptedAt);
        });
      });
    },
    stop: () => clearInterval(timer),
  };
}
