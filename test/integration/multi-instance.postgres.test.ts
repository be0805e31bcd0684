import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { meetSmsBody, sessionChannel } from '../../shared/index.ts';
import { startEmulators, type Emulators } from '../emulators/index.ts';
import { backendClient, type BackendClient } from '../support/backend-client.ts';
import { startBackendProcess, type BackendProcess } from '../support/backend-process.ts';
import { createScratchDatabase, postgresAvailable, warnPostgresSkipped } from '../support/postgres.ts';
import { pendingWork, settledEffects, waitForQuiescence } from '../support/quiescence.ts';
import { openDatabase, type DatabaseHandle } from '../../backend/db/client.ts';
import { ADMIN_TOKEN, LIVE_POLLS, OAUTH_CLIENT_ID, SESSION_SECRET, eventually } from './stack.ts';

// Exactly once across instances and crashes: separate backend processes (as `npm start` runs them) on one real
// Postgres server, SIGKILLed at the worst moments.
const SOLVERS = 20;
const SESSIONS_PER_SOLVER = 10;
const solverEmail = (index: number) => `solver${index}@example.com`;

if (!(await postgresAvailable())) {
  warnPostgresSkipped('exactly once across instances and crashes');
  describe.skip('exactly once across instances and crashes (no Postgres server reachable)', () => it('needs Postgres', () => {}));
} else {
  describe('exactly once across instances and crashes (real Postgres, separate processes)', () => {
    let emulators: Emulators;
    let database: { url: string; drop(): Promise<void> };
    /** The test's own connection to the instances' database, to see what is still pending there. */
    let observer: DatabaseHandle;
    let env: Record<string, string>;
    const processes: BackendProcess[] = [];
    let a: BackendClient;
    let b: BackendClient;
    const tokens: string[] = [];
    const solverIds: string[] = [];

    const start = async (extra: Record<string, string> = {}) => {
      const backend = await startBackendProcess({ ...env, ...extra });
      processes.push(backend);
      return backend;
    };
    const createLink = (api: BackendClient, sessionId: string, token: string) =>
      api.call('POST', '/api/meet/links', { json: { sessionId }, token });
    const eventsFor = (sessionId: string) =>
      emulators.google.calendar.events().filter((event) => event.description === `Support session ID: ${sessionId}`);
    const smsTo = (phone: string) => emulators.twilio.messages().filter((message) => message.to === phone);
    /** Waits until nothing is left to happen for the session on any instance; then what it caused outside. */
    const settled = (sessionId: string) => settledEffects({ db: observer.db, emulators }, sessionId, { ...LIVE_POLLS, timeoutMs: 60_000 });
    const phoneFor = (index: number) => `+1415${String(5_000_000 + index).padStart(7, '0')}`;
    let phoneCounter = 0;
    const newSession = async (solver = 0) => {
      const phone = phoneFor(phoneCounter++);
      const id = await a.createSession({ solverId: solverIds[solver]!, customerName: `Customer ${phone}`, customerPhone: phone });
      return { id, phone };
    };

    beforeAll(async () => {
      emulators = await startEmulators({ delegatedUsers: Array.from({ length: SOLVERS }, (_, index) => solverEmail(index)) });
      database = await createScratchDatabase();
      env = {
        ...emulators.backendEnv,
        DATABASE_URL: database.url,
        ADMIN_API_TOKEN: ADMIN_TOKEN,
        SESSION_SECRET,
        GOOGLE_OAUTH_CLIENT_IDS: OAUTH_CLIENT_ID,
      };
      // Both start at once: migrations and the job queue's schema must cope with that.
      const [first, second] = await Promise.all([start(), start()]);
      observer = await openDatabase({ kind: 'postgres', url: database.url }, { migrate: false });
      a = backendClient(first.url, ADMIN_TOKEN);
      b = backendClient(second.url, ADMIN_TOKEN);
      for (let index = 0; index < SOLVERS; index++) {
        solverIds.push(
          await a.createSolver({
            name: `Solver ${index}`,
            email: solverEmail(index),
            employment: 'employed',
            googleEmail: solverEmail(index),
          }),
        );
        // Signed in on one instance, accepted by the other: the session secret is shared.
        tokens.push(await b.signIn(emulators.google.issueAccessToken({ email: solverEmail(index), audience: OAUTH_CLIENT_ID })));
      }
    }, 120_000);

    afterAll(async () => {
      await Promise.all(processes.map((backend) => backend.stop()));
      await observer?.close();
      await emulators?.close();
      await database?.drop();
    });

    it('gives 50 concurrent clicks on one session, spread over two instances, one event, one link and one SMS', async () => {
      const session = await newSession();
      const results = await Promise.all(Array.from({ length: 50 }, (_, index) => createLink(index % 2 ? a : b, session.id, tokens[0]!)));
      expect(results.map((result) => result.status)).toEqual(Array(50).fill(200));
      expect(new Set(results.map((result) => result.body.meetLink)).size).toBe(1);
      expect(results.some((result) => result.body.usedFallback)).toBe(false);
      expect(results.filter((result) => !result.body.isExisting)).toHaveLength(1);
      const effects = await settled(session.id);
      expect(effects.calendarEvents).toHaveLength(1);
      expect(effects.sms).toHaveLength(1);
      expect(effects.messages).toHaveLength(1);
    });

    it('holds the per-solver resend limit across instances (counted in Postgres)', async () => {
      const session = await newSession(2);
      expect((await createLink(a, session.id, tokens[2]!)).status).toBe(200);
      const resend = (api: BackendClient) => api.call('POST', `/api/meet/links/${session.id}/resend`, { token: tokens[2]! });
      const statuses = [];
      for (const api of [a, b, a, b, a, b]) statuses.push((await resend(api)).status);
      expect(statuses).toEqual([200, 200, 200, 200, 200, 429]);
    });

    it(`gives ${SOLVERS * SESSIONS_PER_SOLVER} sessions × 3 clicks over two instances one event and one SMS each`, async () => {
      const sessions: { id: string; phone: string; solver: number }[] = [];
      for (let solver = 0; solver < SOLVERS; solver++) {
        for (let n = 0; n < SESSIONS_PER_SOLVER; n++) sessions.push({ ...(await newSession(solver)), solver });
      }
      const clicks = sessions.flatMap((session) => [a, b, a].map((api) => createLink(api, session.id, tokens[session.solver]!)));
      const results = await Promise.all(clicks);
      expect(results.filter((result) => result.status !== 200 || result.body.usedFallback)).toEqual([]);
      for (const session of sessions) expect(eventsFor(session.id)).toHaveLength(1);
      await waitForQuiescence(observer.db, { ...LIVE_POLLS, timeoutMs: 90_000 });
      expect(sessions.filter((session) => smsTo(session.phone).length !== 1)).toEqual([]);
    }, 120_000);

    it('still makes one event and one SMS when an instance dies after the Calendar insert, before storing the link', async () => {
      const victim = await start();
      const session = await newSession();
      // Hold the session row so the victim's UPDATE waits right after Google created the event.
      const locker = postgres(database.url, { max: 1, onnotice: () => {} });
      const unlock = await holdLock(locker, (sql) => sql`select id from sessions where id = ${session.id} for update`);
      const doomed = createLink(backendClient(victim.url, ADMIN_TOKEN), session.id, tokens[0]!).catch((error: Error) => error);
      await eventually(() => eventsFor(session.id).length === 1, 'the Calendar insert');
      await victim.crash();
      await unlock();
      await locker.end();
      expect(await doomed).toBeInstanceOf(Error);

      // The victim's UPDATE was already with Postgres, which may still commit it once the row is free: then the
      // retry finds that link (and the sweep fans it out); otherwise the retry stores it. Either way: one of each.
      const retry = await createLink(a, session.id, tokens[0]!);
      expect(retry.body).toMatchObject({ success: true, usedFallback: false });
      expect(eventsFor(session.id)).toHaveLength(1);
      const entryPoint = eventsFor(session.id)[0]!.conferenceData?.entryPoints?.find((entry) => entry.entryPointType === 'video');
      expect(retry.body.meetLink).toBe(entryPoint?.uri);
      const effects = await settled(session.id);
      expect(effects.sms).toHaveLength(1);
      expect(effects.calendarEvents).toHaveLength(1);
    }, 60_000);

    it('delivers the queued SMS once when the instance dies after storing the link, before its jobs ran', async () => {
      const apiOnly = await start({ JOB_WORKERS: 'false' });
      const [onlyA, onlyB] = processes.slice(0, 2);
      // Leave the queue to a fresh instance alone: stop the two workers that would otherwise pick the job up.
      await Promise.all([onlyA!.stop(), onlyB!.stop()]);
      const session = await newSessionVia(apiOnly);
      const result = await createLink(backendClient(apiOnly.url, ADMIN_TOKEN), session.id, tokens[1]!);
      expect(result.body).toMatchObject({ success: true, usedFallback: false, isExisting: false });
      await apiOnly.crash();
      // No instance works the queue or sweeps now: the SMS is still owed (by the fan-out or the queue), unsent.
      const owed = await pendingWork(observer.db, { sessionId: session.id });
      expect(owed.fanouts + owed.sms + owed.jobs.length).toBeGreaterThan(0);
      expect(smsTo(session.phone)).toHaveLength(0);

      const survivor = await start();
      await eventually(() => smsTo(session.phone).length === 1, 'the SMS from the surviving queue', 30_000);
      expect(smsTo(session.phone)[0]!.body).toBe(meetSmsBody('Solver 1', result.body.meetLink));
      await eventually(() => emulators.ably.messages(sessionChannel(session.id)).length === 1, 'the system message', 30_000);
      const again = await createLink(backendClient(survivor.url, ADMIN_TOKEN), session.id, tokens[1]!);
      expect(again.body).toMatchObject({ isExisting: true, meetLink: result.body.meetLink });
      const effects = await settled(session.id);
      expect(effects.calendarEvents).toHaveLength(1);
      expect(effects.sms).toHaveLength(1);
      expect(effects.messages).toHaveLength(1);
    }, 90_000);

    it('fans the link out once when the instance dies after storing it, before its fan-out committed', async () => {
      const victim = await start();
      const session = await newSessionVia(victim);
      // Block SMS inserts: the victim's fan-out, which claims the session row first, waits on this lock.
      const locker = postgres(database.url, { max: 2, onnotice: () => {} });
      const unlock = await holdLock(locker, (sql) => sql`lock table sms_deliveries in exclusive mode`);
      const result = await createLink(backendClient(victim.url, ADMIN_TOKEN), session.id, tokens[1]!);
      expect(result.body).toMatchObject({ success: true, usedFallback: false, isExisting: false });
      await eventually(async () => {
        const [row] = await locker`select count(*)::int as waiting from pg_stat_activity
          where wait_event_type = 'Lock' and query like 'insert into "sms_deliveries"%'`;
        return row!.waiting > 0;
      }, 'the fan-out waiting on the lock');
      await victim.crash();
      await unlock();

      await eventually(() => smsTo(session.phone).length === 1, 'the SMS from the sweep of another instance', 30_000);
      expect(smsTo(session.phone)[0]!.body).toBe(meetSmsBody('Solver 1', result.body.meetLink));
      await eventually(() => emulators.ably.messages(sessionChannel(session.id)).length === 1, 'the system message', 30_000);
      const [row] = await locker`select fanout_pending from sessions where id = ${session.id}`;
      expect(row!.fanout_pending).toBe(false);
      const audit =
        await locker`select count(*)::int as n from audit_events where session_id = ${session.id} and action = 'meet_link.created'`;
      expect(audit[0]!.n).toBe(1);
      await locker.end();
      const effects = await settled(session.id);
      expect(effects.sms).toHaveLength(1);
      expect(effects.calendarEvents).toHaveLength(1);
      expect(effects.messages).toHaveLength(1);
    }, 90_000);

    async function newSessionVia(backend: BackendProcess) {
      const phone = phoneFor(phoneCounter++);
      const id = await backendClient(backend.url, ADMIN_TOKEN).createSession({
        solverId: solverIds[1]!,
        customerName: 'Crash Test',
        customerPhone: phone,
      });
      return { id, phone };
    }
  });
}

/** Takes a lock in an open transaction and holds it until the returned function is called (which waits for the end). */
async function holdLock(sql: postgres.Sql, take: (tx: postgres.TransactionSql) => Promise<unknown>): Promise<() => Promise<void>> {
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  let locked!: () => void;
  const isLocked = new Promise<void>((resolve) => (locked = resolve));
  const holding = sql.begin(async (tx) => {
    await take(tx);
    locked();
    await released;
  });
  await isLocked;
  return async () => {
    release();
    await holding;
  };
}
