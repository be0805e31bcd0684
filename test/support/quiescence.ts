import { sql, type SQL } from 'drizzle-orm';
import { sessionChannel } from '../../shared/index.ts';
import { rowsOf, type Database } from '../../backend/db/client.ts';
import type { JobName } from '../../backend/jobs/job-queue.ts';
import type { Emulators, SavvySolveHostEmulator } from '../emulators/index.ts';

/**
 * Proving an absence ("no second SMS") by waiting until nothing is left to happen, instead of sleeping and hoping
 * a late duplicate would have come by then (docs/testing.md, "Waiting: on conditions, and on quiescence to prove an absence").
 */

/** What is still to happen, read in one statement (one snapshot: a job commits its follow-ups before it completes). */
export type PendingWork = {
  /** Sessions whose link fan-out or customer notification has not run (`fanout_pending`, `notify_pending`). */
  fanouts: number;
  /** SMS not accepted by Twilio yet (`queued`: waiting, being handed over, or waiting for a retry). */
  sms: number;
  /** Host events not delivered, refused or given up yet. */
  hostEvents: number;
  /** Meet spaces whose access step or retirement is under way. */
  meetSpaces: number;
  /** pg-boss jobs created, waiting for a retry or active, as `name:state` (a job due in the future counts too). */
  jobs: string[];
};

export type QuiescenceScope = {
  /** Only what concerns this session (its rows, and jobs naming it, its SMS or its host events); default everything. */
  sessionId?: string;
  /**
   * Queues that are never idle in the scenario and cannot cause what is counted, e.g. `meet.attendance-poll` of a
   * live session (each poll schedules the next). Say why at the call.
   */
  ignoreQueues?: readonly JobName[];
  timeoutMs?: number;
};

const isIdle = (work: PendingWork) => work.fanouts + work.sms + work.hostEvents + work.meetSpaces + work.jobs.length === 0;

/** Reads what is still to happen on the app's database (PGlite or Postgres; pg-boss's `pgboss.job` when it exists). */
export async function pendingWork(db: Database, scope: QuiescenceScope = {}): Promise<PendingWork> {
  const { sessionId, ignoreQueues = [] } = scope;
  const forSession = (column: string) => (sessionId ? sql`and ${sql.raw(column)} = ${sessionId}` : sql``);
  const [probe] = rowsOf<{ has_jobs: boolean }>(await db.execute(sql`select to_regclass('pgboss.job') is not null as has_jobs`));
  const ignored = ignoreQueues.length
    ? sql`and j.name not in (${sql.join(
        ignoreQueues.map((name) => sql`${name}`),
        sql`, `,
      )})`
    : sql``;
  // A job names its session directly, through the SMS it sends, or through the host event it delivers.
  const ofSession = sessionId
    ? sql`and (j.data->>'sessionId' = ${sessionId} or j.data->'data'->>'sessionId' = ${sessionId}
        or j.data->>'deliveryId' in (select id::text from sms_deliveries where session_id = ${sessionId})
        or j.data->>'eventId' in (select id::text from host_events where session_id = ${sessionId}))`
    : sql``;
  const jobs: SQL = probe?.has_jobs
    ? sql`(select coalesce(array_agg(j.name || ':' || j.state order by j.name), '{}') from pgboss.job j
        where j.state in ('created', 'retry', 'active') ${ignored} ${ofSession})`
    : sql`'{}'::text[]`;
  const [row] = rowsOf<{ fanouts: number; sms: number; host_events: number; meet_spaces: number; jobs: string[] }>(
    await db.execute(sql`select
      (select count(*)::int from sessions where (fanout_pending or notify_pending) ${forSession('id')}) as fanouts,
      (select count(*)::int from sms_deliveries where status = 'queued' ${forSession('session_id')}) as sms,
      (select count(*)::int from host_events where status = 'pending' ${forSession('session_id')}) as host_events,
      (select count(*)::int from meet_spaces where (access_state = 'pending' or retire_state = 'pending') ${forSession('session_id')}) as meet_spaces,
      ${jobs} as jobs`),
  );
  return { fanouts: row!.fanouts, sms: row!.sms, hostEvents: row!.host_events, meetSpaces: row!.meet_spaces, jobs: row!.jobs };
}

/**
 * Waits until nothing is left to happen in `scope`: no pending fan-out or notification, no outbox row waiting, no
 * pg-boss job created, in retry (however far its next attempt) or active. Throws, naming what is still pending,
 * after `timeoutMs` (default 30 s). After it returns, counting SMS, events and messages proves an absence.
 */
export async function waitForQuiescence(db: Database, scope: QuiescenceScope = {}): Promise<void> {
  const deadline = Date.now() + (scope.timeoutMs ?? 30_000);
  for (;;) {
    const work = await pendingWork(db, scope);
    if (isIdle(work)) return;
    if (Date.now() > deadline) throw new Error(`still pending after ${scope.timeoutMs ?? 30_000} ms: ${JSON.stringify(work)}`);
    // Not faster: on PGlite each look shares the one connection with the backend under test.
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** Everything the outside world received about one session. */
export type SessionEffects = {
  /** SMS Twilio accepted for the session's customer phone. */
  sms: ReturnType<Emulators['twilio']['messages']>;
  /** Calendar events whose description names the session. */
  calendarEvents: ReturnType<Emulators['google']['calendar']['events']>;
  /** Messages published on the session's realtime channel. */
  messages: ReturnType<Emulators['ably']['messages']>;
  /** Events the host received about the session. */
  hostEvents: ReturnType<SavvySolveHostEmulator['events']>;
};

/**
 * Waits for the session's quiescence, then reads what the emulators received about it: the counts an absence
 * assertion compares ("exactly one SMS").
 */
export async function settledEffects(
  world: { db: Database; emulators: Emulators; host?: SavvySolveHostEmulator },
  sessionId: string,
  scope: Omit<QuiescenceScope, 'sessionId'> = {},
): Promise<SessionEffects> {
  await waitForQuiescence(world.db, { ...scope, sessionId });
  const [session] = rowsOf<{ customer_phone: string }>(
    await world.db.execute(sql`select customer_phone from sessions where id = ${sessionId}`),
  );
  return {
    sms: world.emulators.twilio.messages().filter((message) => message.to === session?.customer_phone),
    calendarEvents: world.emulators.google.calendar.events().filter((event) => event.description?.includes(sessionId)),
    messages: world.emulators.ably.messages(sessionChannel(sessionId)),
    hostEvents: world.host?.events().filter((event) => event.data?.sessionId === sessionId) ?? [],
  };
}
