import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { summarize, type Summary } from '../bench/stats.ts';
import { startChaos, type ChaosRecord } from './chaos.ts';
import { collectFacts, waitForDrain, type Drain } from './facts.ts';
import { runLoad, type LoadResult } from './load.ts';
import { startMemoryMonitor, summarizeMemory, type MemorySummary } from './memory.ts';
import { planSessions } from './plan.ts';
import { createRandom } from './random.ts';
import { reconcile, type Problem, type Verdict } from './reconcile.ts';
import { startWorld, type SoakDatabase, type World } from './world.ts';

export type SoakOptions = {
  database: SoakDatabase;
  /** Seconds over which the sessions start (the load then finishes the last ones). */
  seconds: number;
  sessions: number;
  solvers: number;
  seed: number;
  /** Share of the time each fault kind is on. */
  faultRate: number;
  /** Share of sessions the host ends (`session.ended`) after their clicks. */
  endShare: number;
  /** Seconds from the start of the load at which an instance is SIGKILLed and restarted. */
  killAtSeconds: number[];
  /** Longest wait for the backend to finish its work once the faults stop. */
  drainSeconds: number;
  /** Where to write each backend process's log (none when undefined). */
  logDir?: string;
  log: (line: string) => void;
};

export type SoakResult = {
  options: Omit<SoakOptions, 'log'>;
  startedAt: string;
  setupSeconds: number;
  load: Omit<LoadResult, 'records' | 'clickMs'> & { clickMs: Summary };
  chaos: ChaosRecord;
  drain: Drain;
  verdict: Verdict;
  /** The audit trail of (up to 50) sessions with a problem: what the backend did, in order. */
  evidence: Record<string, string[]>;
  memory: MemorySummary[];
  unexpectedExits: World['unexpectedExits'];
};

/** An instance killed about every 2 minutes (none in the last minute, so the drain sees the recovery); one in a short run. */
export function defaultKillTimes(seconds: number): number[] {
  if (seconds < 240) return [Math.round(seconds / 3)];
  const times: number[] = [];
  for (let at = 120; at <= seconds - 60; at += 120) times.push(at);
  return times;
}

/**
 * The soak: set-up, load under chaos, faults off, drain, reconcile. pg-boss takes a job a killed process held
 * back only after its expiry (60 s) and the next supervise pass (up to 60 s more), so `drainSeconds` should
 * leave about two minutes after the last kill.
 */
export async function runSoak(options: SoakOptions): Promise<SoakResult> {
  const { log, ...settings } = options;
  const startedAt = new Date();
  const clock = performance.now();
  log(`set-up: ${options.database}, ${options.solvers} solvers`);
  const world = await startWorld({ database: options.database, solvers: options.solvers, log });
  try {
    const setupSeconds = (performance.now() - clock) / 1000;
    log(
      `set-up done in ${setupSeconds.toFixed(0)} s: instances ${world.instances.map((instance) => `${instance.name} ${instance.url}`).join(', ')}`,
    );
    const memory = startMemoryMonitor(world);
    const loadStart = memory.now();
    const plans = planSessions(createRandom(options.seed), options);
    const chaos = await startChaos(world, createRandom(options.seed + 1), {
      faultRate: options.faultRate,
      seconds: options.seconds,
      killAtSeconds: options.killAtSeconds,
      log,
    });
    log(
      `load: ${plans.length} sessions over ${options.seconds} s, faults ~${options.faultRate * 100} % each, kills at ${options.killAtSeconds.join(', ')} s`,
    );
    const load = await runLoad(world, plans, options.seed + 2, log);
    const chaosRecord = await chaos.stop();
    log(`load done in ${load.seconds.toFixed(0)} s; faults cleared; draining (at most ${options.drainSeconds} s)`);
    const lastKill = chaosRecord.kills.at(-1);
    const sinceLastKill = lastKill ? load.seconds - lastKill.atSeconds : Infinity;
    const drain = await waitForDrain(world, { maxSeconds: options.drainSeconds, minSeconds: Math.max(0, 130 - sinceLastKill), log });
    log(`drain: ${drain.quiet ? 'quiet' : 'NOT quiet'} after ${drain.seconds.toFixed(1)} s (${drain.how})`);
    memory.sample();
    memory.stop();
    const drainEnd = memory.now();
    // PGlite has one owner: the backend lets go of its data directory before the reconcile reads it.
    if (options.database === 'pglite') await world.stopBackends();
    const facts = await collectFacts(world);
    const verdict = reconcile(load.records, facts);
    log(`reconcile: ${verdict.lost.length} lost, ${verdict.duplicated.length} duplicated`);
    const evidence = await auditTrails(world, [...verdict.lost, ...verdict.duplicated]);
    if (options.logDir) writeLogs(world, options.logDir);
    const { records: _records, clickMs, ...loadFigures } = load;
    return {
      options: settings,
      startedAt: startedAt.toISOString(),
      setupSeconds,
      load: { ...loadFigures, clickMs: summarize(clickMs) },
      chaos: chaosRecord,
      drain,
      verdict,
      evidence,
      memory: summarizeMemory(memory.samples, loadStart, drainEnd),
      unexpectedExits: world.unexpectedExits,
    };
  } finally {
    await world.close();
  }
}

async function auditTrails(world: World, problems: Problem[]): Promise<Record<string, string[]>> {
  const ids = [...new Set(problems.map((problem) => problem.sessionId).filter((id) => id && /^[0-9a-f-]{36}$/.test(id)))].slice(0, 50);
  if (ids.length === 0) return {};
  const rows = await world.query<{ session_id: string; action: string; actor: string; details: unknown; created_at: Date | string }>(
    `select session_id, action, actor, details, created_at from audit_events
      where session_id in (${ids.map((id) => `'${id}'`).join(', ')}) order by created_at`,
  );
  const trails: Record<string, string[]> = {};
  for (const row of rows)
    (trails[row.session_id] ??= []).push(
      `${new Date(row.created_at).toISOString().slice(11, 23)} ${row.action} (${row.actor}) ${JSON.stringify(row.details)}`,
    );
  return trails;
}

function writeLogs(world: World, dir: string) {
  mkdirSync(dir, { recursive: true });
  for (const { instance, generation, lines } of world.logs())
    writeFileSync(join(dir, `backend-${instance}-${generation}.log`), `${lines.join('\n')}\n`);
}
