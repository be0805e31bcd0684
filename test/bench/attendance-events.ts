import { solverChannel } from '../../shared/index.ts';
import { POLL_CADENCE } from '../../backend/meet-space/attendance-poller.ts';
import { meetingCodeOf } from '../../backend/meet-space/meeting-code.ts';
import { eventually } from '../support/eventually.ts';
import { profileArgs } from './backend-under-test.ts';
import { startBenchServer } from './bench-server-client.ts';
import { click, describeFailure } from './click.ts';
import type { SeededSolver } from './seed.ts';
import { summarize, type Summary } from './stats.ts';
import type { World } from './world.ts';

export type AttendanceMode = 'poll' | 'events';

/** One backend on PGlite with `sessions` live sessions, attendance polled (MEET_ATTENDANCE_SOURCE=poll) or pushed. */
export type AttendanceModeResult = {
  mode: AttendanceMode;
  sessions: number;
  windowSec: number;
  /** Meet REST reads (spaces.get, conferenceRecords.list/get, participants.list) in the window, and polls done in it. */
  window: { meetReads: number; polls: number; perSessionHour: number };
  /** The delay each live chain chose for its next poll once steady (s): 10 polling, 900 reconciling. */
  nextPollDelaySec: Summary;
  /** Events only: pushes played one at a time (a customer joins a room nobody is in). */
  pushes?: {
    n: number;
    /** Push sent by Pub/Sub → answered 204 by the backend. */
    answered: Summary;
    /** Push sent → the solver's `session_updated` message received by Ably (REST publish, 100 ms emulated). */
    published: Summary;
    /** Push answered → that message at Ably (the realtime job after the push's commit). */
    answeredToPublished: Summary;
    /** Meet reads the customer's join caused (its pushes: conference started, participant joined), per push. */
    meetReadsPerPush: number;
    /**
     * Meet reads of a whole call per room (see EVENTS_PER_CALL: its six pushes, then the poll `conference.ended`
     * queues), and the polls counted meanwhile (one a call expected: the chains' own are 900 s away).
     */
    meetReadsPerCall: number;
    pollsPerCall: number;
    failed: number;
  };
  /** Clicks on new sessions while the live sessions are live (`POST /api/meet/links`, Calendar at 200 ms). */
  click: Summary;
  errors: { clicks: number; roomsNotOpened: number; subscriptionsNotActive: number; examples: string[] };
};

export type AttendanceEventsResult = {
  poll: AttendanceModeResult;
  events: AttendanceModeResult;
  /** Assumed per session-hour with events: one call, its events pushed (see EVENTS_PER_CALL), then its final poll. */
  eventsPerCall: number;
  /** Meet reads per poll, measured in the polling window (a call with two participants: 2). */
  readsPerPoll: number;
  /** Meet reads per live session-hour: polling as measured in its window; events derived from the measured cadence. */
  perSessionHour: { poll: number; events: number; eventsReconcile: number; eventsPushes: number };
};

export type AttendanceEventsOptions = {
  sessions: number;
  windowSec: number;
  pushes: number;
  clicks: number;
  clickSolvers: number;
  lanes: number;
  log: (line: string) => void;
};

/**
 * A call's Meet events when one customer comes and goes: conference started, the customer and the solver joined, both
 * left, conference ended. Each push reads Google's state again, only what it can have changed: a record never seen is
 * placed (conferenceRecords.get) and the space read as the poller reads it; a participant event then reads its
 * record's participants; `conference.ended` its record and participants, and queues one poll of the space 10 s later.
 */
export const EVENTS_PER_CALL = 6;
const PUSH_SERVICE_ACCOUNT = 'meet-events-push@emulated-project.iam.gserviceaccount.com';
const PUSH_AUDIENCE = 'https://meet-bench.example.com/webhooks/google/meet-events';
const MEET_READS = ['spaces.get', 'conferenceRecords.list', 'conferenceRecords.get', 'participants.list'] as const;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Issue 22's measurements: the same PGlite backend with `sessions` live sessions (every room opened, a solver and a
 * customer in most calls), attendance polled, then pushed by Workspace Events through the emulated Pub/Sub. Each
 * mode counts the Meet reads over a window and reads the cadence the poll chains chose; with events, `pushes` customer
 * joins are played one at a time (push sent → answered → the solver's realtime message at Ably), then those calls are
 * played to their end (the Meet reads of a whole call, its final poll included); then `clicks`
 * escalations of other solvers are timed on top of the live sessions.
 */
export async function measureAttendanceEvents(
  world: World,
  fresh: () => void,
  options: AttendanceEventsOptions,
): Promise<AttendanceEventsResult> {
  fresh();
  const poll = await measureMode(world, 'poll', options);
  fresh();
  const events = await measureMode(world, 'events', options);
  const readsPerPoll = poll.window.polls > 0 ? poll.window.meetReads / poll.window.polls : Number.NaN;
  const eventsReconcile = readsPerPoll * (3600 / events.nextPollDelaySec.p50);
  // Measured over whole calls (the pushes and the poll after each), one call per session-hour.
  const eventsPushes = events.pushes?.meetReadsPerCall ?? Number.NaN;
  return {
    poll,
    events,
    eventsPerCall: EVENTS_PER_CALL,
    readsPerPoll,
    perSessionHour: { poll: poll.window.perSessionHour, events: eventsReconcile + eventsPushes, eventsReconcile, eventsPushes },
  };
}

/** The backend's environment for `mode`: MEET_ATTENDANCE_SOURCE, and with `events` the topic and the push identity. */
export function attendanceEnv(mode: AttendanceMode): Record<string, string> {
  return mode === 'events'
    ? {
        MEET_ATTENDANCE_SOURCE: 'events',
        MEET_EVENTS_TOPIC: 'projects/emulated-project/topics/meet-events',
        PUBSUB_PUSH_SERVICE_ACCOUNT: PUSH_SERVICE_ACCOUNT,
        PUBSUB_PUSH_AUDIENCE: PUSH_AUDIENCE,
      }
    : { MEET_ATTENDANCE_SOURCE: 'poll' };
}

async function measureMode(world: World, mode: AttendanceMode, options: AttendanceEventsOptions): Promise<AttendanceModeResult> {
  const log = (line: string) => options.log(`  [${mode}] ${line}`);
  const google = world.emulators.google;
  const env = attendanceEnv(mode);
  const server = await startBenchServer(world, `attendance-${mode}`, 'pglite', profileArgs(`attendance-${mode}`), env);
  const pushEndpoint = {
    endpoint: `${server.oursUrl}/webhooks/google/meet-events`,
    serviceAccountEmail: PUSH_SERVICE_ACCOUNT,
    audience: PUSH_AUDIENCE,
  };
  try {
    if (mode === 'events') google.pubsub.configure(pushEndpoint);
    const live = await server.seedSolvers(0, options.sessions);
    const clickers = await server.seedSolvers(options.sessions, options.clickSolvers);
    const perClicker = Math.ceil(options.clicks / options.clickSolvers) + 1;
    const fresh = await server.seedFreshSessions(
      [...live, ...clickers].map((solver) => solver.id),
      perClicker,
    );
    const tokens = new Map<string, string>();
    for (const solver of [...live, ...clickers]) tokens.set(solver.id, await world.token(solver.id));

    log(`escalating ${live.length} sessions (100 at a time)`);
    const examples: string[] = [];
    let clickErrors = 0;
    const links = new Map<SeededSolver, string>();
    for (let first = 0; first < live.length; first += 100) {
      await Promise.all(
        live.slice(first, first + 100).map(async (solver) => {
          const result = await click(server.oursUrl, tokens.get(solver.id)!, fresh[solver.id]![0]!);
          if (result.ok && result.body.meetLink) links.set(solver, result.body.meetLink);
          else if (++clickErrors <= 3) examples.push(describeFailure(result));
        }),
      );
    }
    await eventually(
      async () => {
        const { spaces } = await server.counts();
        return !spaces.pending && Object.values(spaces).reduce((sum, n) => sum + n, 0) >= links.size;
      },
      'every room opened',
      300_000,
    );
    const { spaces } = await server.counts();
    if (mode === 'events') {
      await eventually(async () => (await server.attendance()).subscriptions.active === links.size, 'every space subscribed', 60_000).catch(
        () => undefined,
      );
    }
    const subscribed = (await server.attendance()).subscriptions;

    // The solver and a customer join the calls (with events, all but the rooms kept for the pushes, and with Pub/Sub
    // unplugged: 2 × 500 serial pushes at 600 ms of Meet reads each would take ten minutes; the pushes are measured below).
    const kept = mode === 'events' ? options.pushes : 0;
    const entries = [...links.entries()];
    log(`the solver and a customer join ${entries.length - kept} calls`);
    if (mode === 'events') google.pubsub.configure(undefined);
    entries.slice(kept).forEach(([solver, link], index) => {
      const code = meetingCodeOf(link)!;
      google.meet.join(code, { kind: 'signedin', email: solver.email, displayName: solver.name });
      google.meet.join(code, { kind: 'anonymous', displayName: `Customer ${index}` });
    });
    if (mode === 'events') google.pubsub.configure(pushEndpoint);
    // Steady state: polling, every chain has seen its customer; events, every chain is on the reconcile cadence.
    await eventually(
      async () => {
        const state = await server.attendance();
        return mode === 'poll'
          ? state.customersSeen >= entries.length
          : state.nextPollDelaysSec.length >= entries.length &&
              state.nextPollDelaysSec.every((s) => s >= POLL_CADENCE.reconcileSeconds - 1);
      },
      mode === 'poll' ? 'every poll chain saw its customer' : 'every poll chain on the reconcile cadence',
      (POLL_CADENCE.fastSeconds * 3 + 120) * 1000,
    ).catch((error: Error) => log(`not steady: ${error.message}`));
    const nextPollDelaySec = summarize((await server.attendance()).nextPollDelaysSec);

    log(`counting Meet reads over ${options.windowSec} s (${entries.length} live sessions)`);
    const reads = () => MEET_READS.reduce((sum, route) => sum + google.requests(route).length, 0);
    const [readsBefore, pollsBefore, at] = [reads(), (await server.attendance()).polls, performance.now()];
    await sleep(options.windowSec * 1000); // a clock on purpose: the window is what is measured
    const windowSec = (performance.now() - at) / 1000;
    const meetReads = reads() - readsBefore;
    const polls = (await server.attendance()).polls - pollsBefore;

    const pushes =
      mode === 'events'
        ? await measurePushes(world, entries.slice(0, kept), async () => (await server.attendance()).polls, log)
        : undefined;

    log(`${options.clicks} clicks (${options.lanes} lanes) over ${entries.length} live sessions`);
    const clickSamples: number[] = [];
    const clickOnce = async (solver: SeededSolver, record: boolean) => {
      const result = await click(server.oursUrl, tokens.get(solver.id)!, fresh[solver.id]!.pop()!);
      if (!result.ok && ++clickErrors <= 3) examples.push(describeFailure(result));
      if (record) clickSamples.push(result.ms);
    };
    // Warm-up: each clicker's first click also exchanges its Google token.
    for (const solver of clickers) await clickOnce(solver, false);
    let next = 0;
    await Promise.all(
      Array.from({ length: options.lanes }, async () => {
        while (next < options.clicks) await clickOnce(clickers[next++ % clickers.length]!, true);
      }),
    );

    return {
      mode,
      sessions: entries.length,
      windowSec,
      window: { meetReads, polls, perSessionHour: (meetReads / entries.length / windowSec) * 3600 },
      nextPollDelaySec,
      pushes,
      click: summarize(clickSamples),
      errors: {
        clicks: clickErrors,
        roomsNotOpened: links.size - (spaces.applied ?? 0),
        subscriptionsNotActive: mode === 'events' ? links.size - (subscribed.active ?? 0) : 0,
        examples,
      },
    };
  } finally {
    google.pubsub.configure(undefined);
    await server.stop();
  }
}

/** Customer joins played one at a time in rooms nobody is in: push sent → answered, and → the solver's message at Ably. */
async function measurePushes(
  world: World,
  rooms: [SeededSolver, string][],
  polls: () => Promise<number>,
  log: (line: string) => void,
): Promise<NonNullable<AttendanceModeResult['pushes']>> {
  const { google, ably } = world.emulators;
  log(`${rooms.length} customer joins pushed one at a time`);
  await google.pubsub.idle();
  const answered: number[] = [];
  const published: number[] = [];
  const afterAnswer: number[] = [];
  let [joinReads, pushed, failed] = [0, 0, 0];
  const meetReads = () => MEET_READS.reduce((sum, route) => sum + google.requests(route).length, 0);
  const readsAtStart = meetReads();
  for (const [index, [solver, link]] of rooms.entries()) {
    const channel = solverChannel(solver.id);
    const [attemptsBefore, readsBefore] = [google.pubsub.attempts().length, meetReads()];
    google.meet.join(meetingCodeOf(link)!, { kind: 'anonymous', displayName: `Pushed customer ${index}` });
    await google.pubsub.idle();
    const attempts = google.pubsub.attempts().slice(attemptsBefore);
    const first = attempts[0];
    if (!first || attempts.some((attempt) => attempt.status !== 204)) {
      failed += 1;
      continue;
    }
    const message = await eventually(
      // The solver's channel carries this one session (the clickers are other solvers).
      () => ably.messages(channel).find((entry) => entry.receivedAt >= first.sentAt),
      'the realtime message',
      10_000,
    ).catch(() => undefined);
    if (!message) {
      failed += 1;
      continue;
    }
    answered.push(first.at - first.sentAt);
    published.push(message.receivedAt - first.sentAt);
    afterAnswer.push(message.receivedAt - first.at);
    joinReads += meetReads() - readsBefore;
    pushed += attempts.length;
  }
  // Then each call goes on to its end, one room at a time: the solver joins, both leave, the call ends (every push
  // applied before the next room), and the poll each `conference.ended` queues 10 s later has run.
  log(`${rooms.length} calls played to their end, one at a time`);
  const pollsBefore = await polls();
  for (const [index, [solver, link]] of rooms.entries()) {
    const code = meetingCodeOf(link)!;
    const ada = { kind: 'signedin', email: solver.email, displayName: solver.name } as const;
    google.meet.join(code, ada);
    google.meet.leave(code, { kind: 'anonymous', displayName: `Pushed customer ${index}` });
    google.meet.leave(code, ada);
    google.meet.endCall(code);
    await google.pubsub.idle();
  }
  const finalPolls = await eventually(
    async () => {
      const n = (await polls()) - pollsBefore;
      return n >= rooms.length && n;
    },
    'the poll after each call',
    60_000,
  ).catch(() => Number.NaN);
  const reads = meetReads() - readsAtStart;
  return {
    n: published.length,
    answered: summarize(answered),
    published: summarize(published),
    answeredToPublished: summarize(afterAnswer),
    meetReadsPerPush: pushed > 0 ? joinReads / pushed : Number.NaN,
    meetReadsPerCall: reads / rooms.length,
    pollsPerCall: finalPolls / rooms.length,
    failed,
  };
}
