import { CONFIRM_AFTER_SECONDS } from '../../backend/meet-space/space-retire-worker.ts';
import { REALTIME_EVENTS } from '../../shared/index.ts';
import type { World } from './world.ts';

/** The attendance poll chain re-queues itself every 10-60 s while a session is live: never "left over". */
export const POLL_JOB = 'meet.attendance-poll';

/** Work the backend still owes, from its database. */
export type Pending = { outbox: number; hostEvents: number; smsQueued: number; jobs: Record<string, number> };

export const pendingTotal = (pending: Pending) =>
  pending.outbox + pending.hostEvents + pending.smsQueued + Object.values(pending.jobs).reduce((sum, n) => sum + n, 0);

/** Outbox flags, undelivered host events, queued SMS and pg-boss jobs in created/retry/active (polls excepted). */
export async function pendingWork(world: World): Promise<Pending> {
  const [row] = await world.query<{ outbox: number; host_events: number; sms_queued: number }>(
    `select (select count(*)::int from sessions where fanout_pending or notify_pending) as outbox,
            (select count(*)::int from host_events where status = 'pending') as host_events,
            (select count(*)::int from sms_deliveries where status = 'queued') as sms_queued`,
  );
  const jobs = await world.query<{ name: string; state: string; n: number }>(
    `select name, state::text as state, count(*)::int as n from pgboss.job
      where state in ('created', 'retry', 'active') and name <> $1 group by name, state`,
    [POLL_JOB],
  );
  return {
    outbox: row!.outbox,
    hostEvents: row!.host_events,
    smsQueued: row!.sms_queued,
    jobs: Object.fromEntries(jobs.map((job) => [`${job.name} (${job.state})`, job.n])),
  };
}

/** `seconds` until the work was done; `waitedSeconds` until the drain was called (PGlite waits out the kill's jobs). */
export type Drain = { seconds: number; waitedSeconds: number; quiet: boolean; how: string; pending?: Pending };

/**
 * Waits until the backend owes nothing (Postgres: the database says so twice in a row), or, where the database
 * cannot be read while the backend runs (PGlite), until the emulators saw no new work for `quietSeconds`, not
 * before `minSeconds`. Bounded by `maxSeconds`.
 */
export async function waitForDrain(
  world: World,
  options: { maxSeconds: number; minSeconds?: number; quietSeconds?: number; log: (line: string) => void },
): Promise<Drain> {
  const started = performance.now();
  const elapsed = () => (performance.now() - started) / 1000;
  let lastLog = 0;
  if (world.canQuery()) {
    let quietSince: number | undefined;
    for (;;) {
      const pending = await pendingWork(world);
      if (pendingTotal(pending) === 0) {
        quietSince ??= elapsed();
        if (elapsed() - quietSince >= 1.5)
          return { seconds: quietSince, waitedSeconds: elapsed(), quiet: true, how: 'database: nothing pending' };
      } else quietSince = undefined;
      if (elapsed() > options.maxSeconds)
        return { seconds: elapsed(), waitedSeconds: elapsed(), quiet: false, how: 'database: still pending', pending };
      if (elapsed() - lastLog >= 10) {
        lastLog = elapsed();
        options.log(`drain: ${JSON.stringify(pending)}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 750));
    }
  }
  // Longer than the room retirement's confirmation (CONFIRM_AFTER_SECONDS): it is scheduled work, not idle time.
  const quietSeconds = options.quietSeconds ?? CONFIRM_AFTER_SECONDS + 15;
  let signature = '';
  let changedAt = 0;
  for (;;) {
    const now = wireSignature(world);
    if (now !== signature) {
      signature = now;
      changedAt = elapsed();
    }
    if (elapsed() - changedAt >= quietSeconds && elapsed() >= (options.minSeconds ?? 0))
      return { seconds: changedAt, waitedSeconds: elapsed(), quiet: true, how: `emulators: no new work for ${quietSeconds} s` };
    if (elapsed() > options.maxSeconds) return { seconds: elapsed(), waitedSeconds: elapsed(), quiet: false, how: 'emulators: still busy' };
    await new Promise((resolve) => setTimeout(resolve, 1_000));
  }
}

/** Counts of the outside calls that carry work (not the attendance polls, which go on while sessions live). */
function wireSignature(world: World): string {
  const { google, twilio, ably } = world.emulators;
  return [
    twilio.requests('messages.create').length,
    world.host.events().length,
    ably.requests('publish').length,
    ...(['events.insert', 'events.patch', 'spaces.get', 'spaces.patch'] as const).map((route) => google.requests(route).length),
  ].join('/');
}

export type SessionRow = {
  id: string;
  status: string;
  meet_link: string | null;
  meet_link_source: string | null;
  fanout_pending: boolean;
  notify_pending: boolean;
  customer_name: string;
  customer_phone: string;
  retire_state: string | null;
  space_name: string | null;
};
export type HostEventRow = {
  id: string;
  session_id: string;
  type: string;
  status: string;
  attempts: number;
  last_error: string | null;
  /** `data.status` (sms.status_changed). */
  data_status: string | null;
};

/** Everything the reconcile compares, read once after the drain. */
export type Facts = {
  sessions: Map<string, SessionRow>;
  sms: Map<string, { status: string; error_code: string | null }[]>;
  hostEventRows: HostEventRow[];
  jobs: { name: string; state: string; n: number }[];
  /** Deliveries the host received (retries included). */
  received: { webhookId: string; type: string; status?: number; signatureValid: boolean; sessionId?: string }[];
  /** Calendar events by the session id in their description. */
  calendarEvents: Map<string, { id: string; link?: string; start: string; end: string }[]>;
  /** SMS Twilio accepted, by recipient. */
  texts: Map<string, string[]>;
  /** System messages on each session's channel. */
  systemMessages: Map<string, { id: string; meetLink?: string }[]>;
  /** The access type of each emulated Meet room, by meeting URL. */
  roomAccess: Map<string, string | undefined>;
};

const groupBy = <T, K>(items: T[], key: (item: T) => K | undefined) => {
  const map = new Map<K, T[]>();
  for (const item of items) {
    const k = key(item);
    if (k !== undefined) map.set(k, [...(map.get(k) ?? []), item]);
  }
  return map;
};

/** Reads the database (PGlite: stop the backend first) and the emulators' records. */
export async function collectFacts(world: World): Promise<Facts> {
  const sessions = await world.query<SessionRow>(
    `select s.id, s.status::text as status, s.meet_link, s.meet_link_source::text as meet_link_source, s.fanout_pending,
            s.notify_pending, s.customer_name, s.customer_phone, m.retire_state, m.space_name
       from sessions s left join meet_spaces m on m.session_id = s.id`,
  );
  const sms = await world.query<{ session_id: string; status: string; error_code: string | null }>(
    `select session_id, status::text as status, error_code from sms_deliveries order by created_at`,
  );
  const hostEventRows = await world.query<HostEventRow>(
    `select id, session_id, type, status::text as status, attempts, last_error, data->>'status' as data_status from host_events`,
  );
  const jobs = await world.query<{ name: string; state: string; n: number }>(
    `select name, state::text as state, count(*)::int as n from pgboss.job group by name, state order by name, state`,
  );
  const { google, twilio, ably } = world.emulators;
  // A deleted event stays at Google as `cancelled` (as the emulator keeps it): it is no event of the session.
  const events = google.calendar
    .events()
    .filter((event) => event.status !== 'cancelled')
    .map((event) => ({
      id: event.id!,
      sessionId: /Support session ID: ([0-9a-f-]{36})/.exec(event.description ?? '')?.[1],
      link: event.conferenceData?.entryPoints?.find((entry) => entry.entryPointType === 'video')?.uri ?? undefined,
      start: event.start?.dateTime ?? '',
      end: event.end?.dateTime ?? '',
    }));
  const messages = ably
    .messages()
    .filter((message) => message.name === REALTIME_EVENTS.systemMessage && message.channel.startsWith('session:'))
    .map((message) => ({ id: message.id, sessionId: message.channel.slice('session:'.length), meetLink: (message.data as any)?.meetLink }));
  return {
    sessions: new Map(sessions.map((row) => [row.id, row])),
    sms: groupBy(sms, (row) => row.session_id),
    hostEventRows,
    jobs,
    received: world.host.events().map((event) => ({
      webhookId: event.webhookId,
      type: event.type,
      status: event.status,
      signatureValid: event.signatureValid,
      sessionId: event.data?.sessionId,
    })),
    calendarEvents: groupBy(events, (event) => event.sessionId),
    texts: new Map([...groupBy(twilio.messages(), (message) => message.to)].map(([to, list]) => [to, list.map((m) => m.body)])),
    systemMessages: groupBy(messages, (message) => message.sessionId),
    roomAccess: new Map(google.meet.spaces().map((space) => [space.meetingUri, space.config?.accessType])),
  };
}
