import { sql } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/postgres-js';
import postgres from 'postgres';
import type { Database } from '../../backend/db/client.ts';
import { schema } from '../../backend/db/schema.ts';
import { startBackendUnderTest } from './backend-under-test.ts';
import { click, describeFailure } from './click.ts';
import { seedFreshSessions, seedSolvers } from './seed.ts';
import { summarize, type Summary } from './stats.ts';
import type { World } from './world.ts';

export type BurstResult = {
  sessions: number;
  /** From firing every request at once to the last link answered. */
  timeToAllLinksMs: number;
  clickLatency: Summary;
  /** From firing to the emulator having accepted the last of the SMS. */
  timeToAllSmsAcceptedMs: number;
  smsAccepted: number;
  errors: { http: number; fallback: number; smsFailed: number; smsMissing: number; jobsFailed: number; total: number; examples: string[] };
};

export type ScaleResult = {
  sessions: number;
  /** First escalation of each solver: includes the service account's token exchange per solver. */
  cold: BurstResult;
  /** Second escalation of the same solvers: tokens cached, as in steady operation. */
  warm: BurstResult;
  rssBeforeMiB: number;
  peakRssMiB: number;
};

type Row = Record<string, unknown>;
const rowsOf = (result: unknown): Row[] => (Array.isArray(result) ? result : ((result as { rows?: Row[] }).rows ?? []));

/**
 * 500 solvers each escalate one session at the same instant against `backend/server.ts` on the real Postgres server
 * (its own process, production settings), twice: cold, then warm.
 */
export async function measureScale(world: World, options: { sessions: number; log: (line: string) => void }): Promise<ScaleResult> {
  const backend = await startBackendUnderTest(world, 'postgres', 'scale-postgres');
  const client = postgres(backend.databaseUrl!, { max: 4, onnotice: () => {} });
  const db = drizzle({ client, schema }) as unknown as Database;
  try {
    const solvers = await seedSolvers(db, 0, options.sessions);
    const fresh = await seedFreshSessions(
      db,
      solvers.map((solver) => solver.id),
      2,
    );
    const tokens = await Promise.all(solvers.map((solver) => world.token(solver.id)));
    // One request first so the process has warmed its routes before the clock starts.
    await backend.api.api.meet['can-use']
      .$get(undefined, { headers: { authorization: `Bearer ${tokens[0]}` } })
      .then((r) => r.arrayBuffer());
    const rssBeforeMiB = backend.memory().rssMiB;

    const burst = async (label: string, pick: number): Promise<BurstResult> => {
      const acceptedBefore = world.emulators.twilio.messages().length;
      const failedJobsBefore = await failedJobs(db);
      options.log(`  ${label}: ${options.sessions} escalations at once`);
      const started = performance.now();
      let lastSms = 0;
      let smsCount = 0;
      // Sample the emulator's inbox while the burst runs: an SMS counts when Twilio (emulated) accepted it.
      const smsWatch = (async () => {
        const deadline = started + 180_000;
        while (performance.now() < deadline) {
          const count = world.emulators.twilio.messages().length - acceptedBefore;
          if (count !== smsCount) {
            smsCount = count;
            lastSms = performance.now() - started;
          }
          if (count >= options.sessions) return;
          await new Promise((resolve) => setTimeout(resolve, 10));
        }
      })();
      const results = await Promise.all(
        solvers.map(async (solver, index) => {
          const result = await click(backend.url, tokens[index]!, fresh.get(solver.id)![pick]!);
          return { ...result, doneAt: performance.now() - started };
        }),
      );
      const timeToAllLinksMs = Math.max(...results.map((result) => result.doneAt));
      await smsWatch;
      const examples = results
        .filter((result) => !result.ok)
        .slice(0, 3)
        .map(describeFailure);
      const sms = rowsOf(
        await db.execute(sql`select status::text as status, count(*)::int as n from sms_deliveries group by status`),
      ).reduce<Record<string, number>>((all, row) => ({ ...all, [String(row.status)]: Number(row.n) }), {});
      const jobsFailed = (await failedJobs(db)) - failedJobsBefore;
      const errors = {
        http: results.filter((result) => result.status !== 200).length,
        fallback: results.filter((result) => result.body.usedFallback).length,
        smsFailed: sms.failed ?? 0,
        smsMissing: Math.max(0, options.sessions - smsCount),
        jobsFailed,
        total: 0,
        examples,
      };
      errors.total = errors.http + errors.fallback + errors.smsFailed + errors.smsMissing + errors.jobsFailed;
      options.log(`    links ${timeToAllLinksMs.toFixed(0)} ms, SMS ${lastSms.toFixed(0)} ms, errors ${errors.total}`);
      return {
        sessions: options.sessions,
        timeToAllLinksMs,
        clickLatency: summarize(results.map((result) => result.ms)),
        timeToAllSmsAcceptedMs: lastSms,
        smsAccepted: smsCount,
        errors,
      };
    };

    const cold = await burst('cold burst', 0);
    const warm = await burst('warm burst', 1);
    return { sessions: options.sessions, cold, warm, rssBeforeMiB, peakRssMiB: backend.memory().peakRssMiB };
  } finally {
    await client.end({ timeout: 5 });
    await backend.stop();
  }
}

async function failedJobs(db: Database): Promise<number> {
  const [row] = rowsOf(await db.execute(sql`select count(*)::int as n from pgboss.job where state = 'failed'`));
  return Number(row?.n ?? 0);
}
