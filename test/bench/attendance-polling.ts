import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { sql } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/postgres-js';
import postgres from 'postgres';
import type { Database } from '../../backend/db/client.ts';
import { schema } from '../../backend/db/schema.ts';
import { POLL_CADENCE } from '../../backend/meet-space/attendance-poller.ts';
import { meetingCodeOf } from '../../backend/meet-space/meeting-code.ts';
import { eventually } from '../support/eventually.ts';
import { startBackendUnderTest } from './backend-under-test.ts';
import { click, describeFailure } from './click.ts';
import { seedFreshSessions, seedSolvers } from './seed.ts';
import { summarize, type Summary } from './stats.ts';
import type { World } from './world.ts';

export type PollingResult = {
  sessions: number;
  windowSec: number;
  /** The cadence measured: the backend's defaults (POLL_CADENCE). */
  cadence: typeof POLL_CADENCE;
  /** Polls completed in the window (the chains' `poll_seq` moved this much), per second, against sessions / fastSeconds. */
  polls: number;
  pollsPerSecond: number;
  expectedPollsPerSecond: number;
  meetCalls: {
    conferenceRecordsList: number;
    participantsList: number;
    perPoll: number;
    /** Measured: the window's calls per session, scaled to an hour (a session in its first 15 minutes). */
    perSessionHourFast: number;
    /** Computed from perPoll: one poll a minute. */
    perSessionHourSlow: number;
    /** Computed from perPoll: a session's first hour (15 min at 10 s, 45 min at 60 s). */
    perSessionFirstHour: number;
    /** Computed from perPoll: everything until polling stops after 4 hours. */
    perSessionUntilStop: number;
  };
  database: {
    /** Transactions (commits + rollbacks) per second in the window, idle backend's subtracted, and per poll. */
    transactionsPerSecond: number;
    transactionsPerPoll: number;
    /** Rows inserted + updated + deleted per poll (the poll's own rows and pg-boss's job rows). */
    rowsWrittenPerPoll: number;
    /** The same backend idle (fan-out sweep, pg-boss supervision), before any session. */
    idleTransactionsPerSecond: number;
  };
  /** CPU time per poll (the idle backend's subtracted), and the window's share of one core (all of it). */
  backendCpu: { msPerPoll: number; coreShare: number; idleMsPerSecond: number };
  /** The same for this database's server processes (null when /proc cannot read them). */
  postgresCpu: { msPerPoll: number; coreShare: number } | null;
  /** start_after → started_on of the poll jobs completed in the window (queueing), and started_on → completed_on. */
  jobLag: Summary;
  jobRun: Summary;
  errors: { clicks: number; accessNotApplied: number; pollJobsFailed: number; pollingStopped: number; examples: string[] };
};

export type PollingOptions = { sessions: number; windowSec: number; idleSec: number; log: (line: string) => void };

type Row = Record<string, unknown>;
const rowsOf = (result: unknown): Row[] => (Array.isArray(result) ? result : ((result as { rows?: Row[] }).rows ?? []));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const CLOCK_TICK_MS = 1000 / clockTicksPerSecond();
const STATS_SETTLE_SEC = 11;

/**
 * `sessions` solvers each escalate one session against `backend/server.ts` on the real Postgres server, with the
 * default poll cadence; once every room is open, the solver and an anonymous customer join each call in the Google
 * emulator, and when every poll chain has seen them (steady state: one conference record, two participants), the
 * Meet API calls, the database's transactions and rows and both processes' CPU time are counted over a window.
 */
export async function measureAttendancePolling(world: World, options: PollingOptions): Promise<PollingResult> {
  const backend = await startBackendUnderTest(world, 'postgres', 'attendance-polling');
  const client = postgres(backend.databaseUrl!, { max: 2, onnotice: () => {} });
  const db = drizzle({ client, schema }) as unknown as Database;
  const google = world.emulators.google;
  const query = async (text: ReturnType<typeof sql>) => rowsOf(await db.execute(text));
  try {
    const solvers = await seedSolvers(db, 0, options.sessions);
    const fresh = await seedFreshSessions(
      db,
      solvers.map((solver) => solver.id),
      1,
    );
    const tokens = await Promise.all(solvers.map((solver) => world.token(solver.id)));
    await backend.api.api.meet['can-use']
      .$get(undefined, { headers: { authorization: `Bearer ${tokens[0]}` } })
      .then((r) => r.arrayBuffer());

    // A server process reports its counters to pg_stat_database when it goes idle, up to 10 s late
    // (PGSTAT_IDLE_INTERVAL): the start-up's migrations and the seeding must be in before the idle window opens.
    options.log(`  idle backend: ${options.idleSec} s, after ${STATS_SETTLE_SEC} s for the statistics to settle`);
    await sleep(STATS_SETTLE_SEC * 1000); // a clock on purpose: no query says the late statistics are in
    const idle = (await measureOver(options.idleSec)).rates;

    options.log(`  escalating ${options.sessions} sessions (100 at a time)`);
    const links: string[] = [];
    const examples: string[] = [];
    let clickErrors = 0;
    for (let first = 0; first < solvers.length; first += 100) {
      const results = await Promise.all(
        solvers.slice(first, first + 100).map((solver, offset) => click(backend.url, tokens[first + offset]!, fresh.get(solver.id)![0]!)),
      );
      for (const result of results) {
        if (result.ok && result.body.meetLink) links.push(result.body.meetLink);
        else if (++clickErrors <= 3) examples.push(describeFailure(result));
      }
    }
    await eventually(
      async () => {
        const [row] = await query(sql`select count(*)::int as n from meet_spaces where access_state <> 'pending'`);
        return Number(row?.n) >= links.length;
      },
      'every room opened',
      180_000,
    );
    const [notApplied] = await query(sql`select count(*)::int as n from meet_spaces where access_state <> 'applied'`);

    options.log(`  the solver and a customer join each of the ${links.length} calls`);
    links.forEach((link, index) => {
      const code = meetingCodeOf(link)!;
      google.meet.join(code, { kind: 'signedin', email: solvers[index]!.email, displayName: solvers[index]!.name });
      google.meet.join(code, { kind: 'anonymous', displayName: `Customer ${index}` });
    });
    await eventually(
      async () => {
        const [row] = await query(sql`select count(*)::int as n from meet_spaces where customer_joined_at is not null`);
        return Number(row?.n) >= links.length;
      },
      'every poll chain saw the customer',
      (POLL_CADENCE.fastSeconds * 3 + 60) * 1000,
    );

    options.log(`  measuring ${options.windowSec} s of steady polling (${links.length} live sessions)`);
    const { start, end, rates: window } = await measureOver(options.windowSec);

    const jobs = await query(sql`
      select extract(epoch from (started_on - start_after)) * 1000 as lag, extract(epoch from (completed_on - started_on)) * 1000 as run
      from pgboss.job
      where name = 'meet.attendance-poll' and state = 'completed'
        and completed_on >= ${start.dbNow}::timestamptz and completed_on < ${end.dbNow}::timestamptz`);
    const [failedJobs] = await query(
      sql`select count(*)::int as n from pgboss.job where name = 'meet.attendance-poll' and state = 'failed'`,
    );
    const [stopped] = await query(sql`select count(*)::int as n from meet_spaces where polling_stopped_at is not null`);

    const polls = end.pollSeq - start.pollSeq;
    const perPoll = (value: number) => (polls > 0 ? value / polls : Number.NaN);
    const calls = { list: end.listCalls - start.listCalls, participants: end.participantCalls - start.participantCalls };
    const callsPerPoll = perPoll(calls.list + calls.participants);
    const { fastSeconds, fastForMinutes, slowSeconds, stopAfterHours } = POLL_CADENCE;
    const fastPolls = (fastForMinutes * 60) / fastSeconds;
    const slowPollsFirstHour = ((60 - fastForMinutes) * 60) / slowSeconds;
    const idleXacts = idle.transactionsPerSecond * window.seconds;
    const idleBackendMs = idle.backendCpuMsPerSecond * window.seconds;
    return {
      sessions: links.length,
      windowSec: window.seconds,
      cadence: POLL_CADENCE,
      polls,
      pollsPerSecond: polls / window.seconds,
      expectedPollsPerSecond: links.length / fastSeconds,
      meetCalls: {
        conferenceRecordsList: calls.list,
        participantsList: calls.participants,
        perPoll: callsPerPoll,
        perSessionHourFast: ((calls.list + calls.participants) / links.length / window.seconds) * 3600,
        perSessionHourSlow: callsPerPoll * (3600 / slowSeconds),
        perSessionFirstHour: callsPerPoll * (fastPolls + slowPollsFirstHour),
        perSessionUntilStop: callsPerPoll * (fastPolls + ((stopAfterHours * 60 - fastForMinutes) * 60) / slowSeconds),
      },
      database: {
        transactionsPerSecond: (window.transactions - idleXacts) / window.seconds,
        transactionsPerPoll: perPoll(window.transactions - idleXacts),
        rowsWrittenPerPoll: perPoll(window.rowsWritten - idle.rowsWrittenPerSecond * window.seconds),
        idleTransactionsPerSecond: idle.transactionsPerSecond,
      },
      backendCpu: {
        msPerPoll: perPoll(window.backendCpuMs - idleBackendMs),
        coreShare: window.backendCpuMs / (window.seconds * 1000),
        idleMsPerSecond: idle.backendCpuMsPerSecond,
      },
      postgresCpu:
        window.postgresCpuMs === null
          ? null
          : {
              msPerPoll: perPoll(window.postgresCpuMs - (idle.postgresCpuMs ?? 0) * (window.seconds / idle.seconds)),
              coreShare: window.postgresCpuMs / (window.seconds * 1000),
            },
      jobLag: summarize(jobs.map((row) => Number(row.lag))),
      jobRun: summarize(jobs.map((row) => Number(row.run))),
      errors: {
        clicks: clickErrors,
        accessNotApplied: Number(notApplied?.n ?? 0),
        pollJobsFailed: Number(failedJobs?.n ?? 0),
        pollingStopped: Number(stopped?.n ?? 0),
        examples,
      },
    };
  } finally {
    await client.end({ timeout: 5 });
    await backend.stop();
  }

  type Snapshot = Awaited<ReturnType<typeof snapshot>>;

  /** Snapshots before and after `seconds` of wall clock (the window is what is measured), and the rates between. */
  async function measureOver(seconds: number) {
    const start = await snapshot();
    await sleep(seconds * 1000);
    const end = await snapshot();
    return { start, end, rates: rates(start, end) };
  }

  async function snapshot() {
    const [stats] = await query(sql`
      select xact_commit + xact_rollback as transactions, tup_inserted + tup_updated + tup_deleted as rows_written, now()::text as db_now
      from pg_stat_database where datname = current_database()`);
    const [seq] = await query(sql`select coalesce(sum(poll_seq), 0)::int as n from meet_spaces`);
    const pids = (await query(sql`select pid from pg_stat_activity where datname = current_database()`)).map((row) => Number(row.pid));
    return {
      at: performance.now(),
      dbNow: String(stats?.db_now),
      transactions: Number(stats?.transactions ?? 0),
      rowsWritten: Number(stats?.rows_written ?? 0),
      pollSeq: Number(seq?.n ?? 0),
      listCalls: google.requests('conferenceRecords.list').length,
      participantCalls: google.requests('participants.list').length,
      backendTicks: cpuTicks(backend.pid) ?? 0,
      postgresTicks: new Map(pids.map((pid) => [pid, cpuTicks(pid)])),
    };
  }

  function rates(from: Snapshot, to: Snapshot) {
    const seconds = (to.at - from.at) / 1000;
    // This database's server processes at the end (pools keep theirs; one that is new counts whole). A process that
    // ended inside the window is missed. Null when none could be read (Postgres on another machine).
    let postgresTicks = 0;
    let read = 0;
    for (const [pid, ticks] of to.postgresTicks) {
      const before = from.postgresTicks.has(pid) ? from.postgresTicks.get(pid) : 0;
      if (ticks === null || before === null || before === undefined) continue;
      postgresTicks += ticks - before;
      read += 1;
    }
    const backendCpuMs = (to.backendTicks - from.backendTicks) * CLOCK_TICK_MS;
    return {
      seconds,
      transactions: to.transactions - from.transactions,
      transactionsPerSecond: (to.transactions - from.transactions) / seconds,
      rowsWritten: to.rowsWritten - from.rowsWritten,
      rowsWrittenPerSecond: (to.rowsWritten - from.rowsWritten) / seconds,
      backendCpuMs,
      backendCpuMsPerSecond: backendCpuMs / seconds,
      postgresCpuMs: read === 0 ? null : postgresTicks * CLOCK_TICK_MS,
    };
  }
}

/** utime + stime of a process (Linux /proc), in clock ticks; null when it is gone or unreadable. */
function cpuTicks(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return null;
  }
}

function clockTicksPerSecond(): number {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
}
