import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { format, resolveConfig } from 'prettier';
import { ms } from '../bench/stats.ts';
import { renderMarkdown, renderText, type Row } from '../bench/table.ts';
import { REQUEST_KINDS } from './load.ts';
import { byCheck } from './reconcile.ts';
import type { SoakResult } from './soak.ts';

/** `test/soak/results/` (git-ignored except its .gitignore). */
export const RESULTS_DIR = fileURLToPath(new URL('./results', import.meta.url));

/** True when the run found nothing lost and nothing twice, and drained. */
export const passed = (result: SoakResult) => result.verdict.lost.length === 0 && result.verdict.duplicated.length === 0;

/** The one table: requests by kind, faults by kind, kills, lost, duplicated, click latency, drain, memory. */
export function soakRows(result: SoakResult): Row[] {
  const { options, load, chaos, drain, verdict, memory } = result;
  const rows: Row[] = [];
  const add = (section: string, figure: string, value: string | number, target?: string, met?: boolean) =>
    rows.push({ section, figure, value: String(value), ...(target === undefined ? {} : { target, met }) });

  const instances = options.database === 'postgres' ? 'two backend processes on one Postgres' : 'one backend process on PGlite (on disk)';
  add('Set-up', 'database', `${options.database}: ${instances}`);
  add('Set-up', 'sessions / solvers / seed', `${options.sessions} / ${options.solvers} / ${options.seed}`);
  add('Set-up', 'load', `${options.seconds} s planned, ${load.seconds.toFixed(0)} s until the last answer`);
  const total = REQUEST_KINDS.reduce((sum, kind) => sum + load.requests[kind], 0);
  add('Requests sent', 'all', total);
  for (const kind of REQUEST_KINDS) if (load.requests[kind] > 0) add('Requests sent', kind, load.requests[kind]);
  add('Requests sent', 'connection errors (instance killed), sent again elsewhere when safe', load.connectionErrors);

  const kinds = [...new Set([...Object.keys(chaos.spells), ...Object.keys(chaos.faulted)])].sort();
  for (const kind of kinds) add('Faults injected', kind, `${chaos.faulted[kind] ?? 0} requests (${chaos.spells[kind] ?? 0} spells)`);
  for (const [kind, why] of Object.entries(chaos.unavailable)) add('Faults injected', kind, why);
  const down = chaos.kills.filter((kill) => Number.isFinite(kill.downSeconds)).map((kill) => kill.downSeconds);
  add(
    'Faults injected',
    'SIGKILL + restart',
    `${chaos.kills.length} (${chaos.kills.map((kill) => `${kill.instance} at ${kill.atSeconds.toFixed(0)} s`).join(', ') || 'none'}; ` +
      `down ${down.length ? `${Math.min(...down).toFixed(1)}–${Math.max(...down).toFixed(1)} s` : '—'})`,
  );
  if (result.unexpectedExits.length > 0)
    add('Faults injected', 'processes that died on their own', result.unexpectedExits.length, '0', false);

  const t = verdict.totals;
  add(
    'Outcome',
    'links: from Calendar / captured after a fallback / fallback only',
    `${t.linksFromCalendar} / ${t.linksCaptured} / ${t.fallbackOnly}`,
  );
  add(
    'Outcome',
    'SMS: requested sends / texted (+ uncertain resends)',
    `${t.requestedSends} / ${t.textsToCustomers} (+${t.uncertainSends})`,
  );
  add('Outcome', 'host events recorded / sessions ended / poll chains still live', `${t.hostEventRows} / ${t.ended} / ${t.pollChainsLive}`);
  add('Latency', `click p50 / p99 under chaos (n = ${load.clickMs.n})`, `${ms(load.clickMs.p50, 0)} / ${ms(load.clickMs.p99, 0)}`);
  add('Latency', 'click max', ms(load.clickMs.max, 0));
  const waited = drain.waitedSeconds - drain.seconds > 5 ? `; watched ${drain.waitedSeconds.toFixed(0)} s in all` : '';
  add('Drain', 'time to drain after the faults stop', `${drain.seconds.toFixed(1)} s (${drain.how}${waited})`, 'quiet', drain.quiet);

  add('Reconcile', 'lost', verdict.lost.length, '0', verdict.lost.length === 0);
  for (const [check, n] of Object.entries(byCheck(verdict.lost))) add('Reconcile', `  lost: ${check}`, n);
  add('Reconcile', 'duplicated', verdict.duplicated.length, '0', verdict.duplicated.length === 0);
  for (const [check, n] of Object.entries(byCheck(verdict.duplicated))) add('Reconcile', `  duplicated: ${check}`, n);

  for (const entry of memory) {
    add(
      'Memory (VmRSS)',
      `instance ${entry.instance}: before / peak during / after`,
      `${entry.beforeMiB} / ${entry.peakDuringMiB} / ${entry.afterMiB} MiB`,
    );
    add('Memory (VmRSS)', `instance ${entry.instance}: trend`, entry.verdict);
  }
  return rows;
}

/** The table as text for the terminal. */
export const renderSoak = (result: SoakResult) => renderText(soakRows(result));

/** Up to `limit` problems per kind, as lines, for the log after the table. */
export function describeProblems(result: SoakResult, limit = 5): string[] {
  const lines: string[] = [];
  for (const [label, problems] of [
    ['LOST', result.verdict.lost],
    ['DUPLICATED', result.verdict.duplicated],
  ] as const) {
    const shown = new Map<string, number>();
    for (const problem of problems) {
      const n = (shown.get(problem.check) ?? 0) + 1;
      shown.set(problem.check, n);
      if (n <= limit)
        lines.push(`${label} ${problem.check}${problem.sessionId ? ` [session ${problem.sessionId}]` : ''}: ${problem.detail}`);
    }
  }
  const trails = Object.entries(result.evidence)
    .slice(0, 3)
    .flatMap(([id, trail]) => [`audit trail of ${id}:`, ...trail.map((line) => `  ${line}`)]);
  return [...lines, ...result.verdict.notes.slice(0, 10).map((note) => `note: ${note}`), ...trails];
}

/**
 * Writes `latest.json` (every figure and every problem) and `latest.md` (the table) to RESULTS_DIR, formatted as
 * the repository's Prettier would (a nested .gitignore does not keep `npm run format:check` away from them).
 */
export async function writeResults(result: SoakResult): Promise<string> {
  mkdirSync(RESULTS_DIR, { recursive: true });
  const file = `${RESULTS_DIR}/latest.json`;
  const write = async (path: string, text: string) =>
    writeFileSync(path, await format(text, { ...(await resolveConfig(path)), filepath: path }));
  await write(file, JSON.stringify(result));
  await write(`${RESULTS_DIR}/latest.md`, renderMarkdown(soakRows(result)));
  return file;
}
