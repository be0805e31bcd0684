import { parseArgs } from 'node:util';
import { postgresAvailable } from '../support/postgres.ts';
import { RESULTS_DIR, describeProblems, passed, renderSoak, writeResults } from './report.ts';
import { defaultKillTimes, runSoak } from './soak.ts';

/**
 * `npm run soak`: escalations under chaos (faults in every outside service, SIGKILLed instances), then a drain and a
 * reconcile of every session; one table on stdout, test/soak/results/latest.json, exit 1 when anything was lost or
 * sent twice. Default: 2,000 sessions over 10 minutes on Postgres with two instances.
 *   --seconds N --sessions N   scale (sessions default to 10 every 3 s)
 *   --quick                    60 s, 200 sessions
 *   --database pglite          one instance on PGlite (data on disk); its RSS is reported
 *   --seed N --solvers N --fault-rate 0.1 --end-share 0.4 --kill-every S --drain-seconds S
 */
const { values: args } = parseArgs({
  options: {
    seconds: { type: 'string' },
    sessions: { type: 'string' },
    quick: { type: 'boolean', default: false },
    database: { type: 'string', default: 'postgres' },
    seed: { type: 'string' },
    solvers: { type: 'string', default: '100' },
    'fault-rate': { type: 'string', default: '0.1' },
    'end-share': { type: 'string', default: '0.4' },
    'kill-every': { type: 'string' },
    'drain-seconds': { type: 'string', default: '150' },
  },
});

const number = (name: string, value: string | undefined, fallback: number) => {
  const parsed = value === undefined ? fallback : Number(value);
  if (!Number.isFinite(parsed) || parsed < 0) throw new Error(`--${name} must be a number ≥ 0, got ${value}`);
  return parsed;
};
const seconds = number('seconds', args.seconds, args.quick ? 60 : 600);
const sessions = Math.max(1, Math.round(number('sessions', args.sessions, args.quick ? 200 : (seconds * 10) / 3)));
const database = args.database === 'pglite' ? 'pglite' : 'postgres';
if (args.database !== 'pglite' && args.database !== 'postgres') throw new Error('--database must be postgres or pglite');
const killEvery = args['kill-every'] === undefined ? undefined : number('kill-every', args['kill-every'], 120);

const clock = performance.now();
const log = (line: string) => console.log(`[${((performance.now() - clock) / 1000).toFixed(0).padStart(4)} s] ${line}`);

if (database === 'postgres' && !(await postgresAvailable())) {
  console.error('No Postgres server reachable (TEST_DATABASE_URL); run with --database pglite or start PostgreSQL.');
  process.exit(2);
}

const killAtSeconds = killEvery
  ? Array.from({ length: Math.floor(Math.max(0, seconds - 30) / killEvery) }, (_, index) => (index + 1) * killEvery)
  : defaultKillTimes(seconds);

const result = await runSoak({
  database,
  seconds,
  sessions,
  solvers: Math.max(1, Math.round(number('solvers', args.solvers, 100))),
  seed: Math.round(number('seed', args.seed, Date.now() % 1_000_000)),
  faultRate: Math.min(0.3, number('fault-rate', args['fault-rate'], 0.1)),
  endShare: Math.min(1, number('end-share', args['end-share'], 0.4)),
  killAtSeconds,
  drainSeconds: number('drain-seconds', args['drain-seconds'], 150),
  logDir: `${RESULTS_DIR}/logs`,
  log,
});

console.log(`\n${renderSoak(result)}\n`);
for (const line of describeProblems(result)) console.log(line);
log(`wrote ${await writeResults(result)} (backend logs in ${RESULTS_DIR}/logs)`);
process.exit(passed(result) ? 0 : 1);
