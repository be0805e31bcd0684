import { count } from 'drizzle-orm';
import { auditEvents, sessions, smsDeliveries, solvers } from '../../backend/db/schema.ts';
import { loadConfig } from '../../backend/env.ts';
import { createMemoryLogger } from '../../backend/logger.ts';
import { startBackend, type RunningBackend, type StartOptions } from '../../backend/start.ts';
import {
  startEmulators,
  startSavvySolveHostEmulator,
  type Emulators,
  type EmulatorsOptions,
  type SavvySolveHostEmulator,
  useEmulatedAdc,
} from '../emulators/index.ts';
import { backendClient, type BackendClient } from '../support/backend-client.ts';
import { freePort } from '../support/free-port.ts';
import { memoryPglite } from '../support/pglite-template.ts';
import { createScratchDatabase } from '../support/postgres.ts';
export { eventually } from '../support/eventually.ts';
import { settledEffects, waitForQuiescence, type QuiescenceScope, type SessionEffects } from '../support/quiescence.ts';

export type DatabaseChoice = 'pglite' | 'postgres';
/** How the backend signs delegated Google tokens: with the service-account key, or keyless through IAM Credentials. */
export type GoogleAuthMode = 'key' | 'keyless';

export const OAUTH_CLIENT_ID = 'savvysolve-ext.apps.googleusercontent.com';
export const ADMIN_TOKEN = 'admin-token-for-tests-0123456789';
export const SESSION_SECRET = 'session-secret-for-tests-0123456789abcdef';
export const WORKSPACE_DOMAIN = 'example.com';

/** The Standard Webhooks secret and API token the SavvySolve host emulator and the backend share in tests. */
export const HOST_WEBHOOK_SECRET = `whsec_${Buffer.from('savvysolve-webhook-secret-for-tests').toString('base64')}`;
export const HOST_API_TOKEN = 'savvysolve-api-token-for-tests';

export type Stack = {
  emulators: Emulators;
  /** The SavvySolve app: sends signed events to the backend, receives its events, answers lazy pulls. */
  host: SavvySolveHostEmulator;
  backend: RunningBackend;
  api: BackendClient;
  logs: string[];
  /** The environment the backend was started with (a second instance on the same database can use it). */
  env: Record<string, string>;
  /** Signs in through the real flow: a Google access token from the emulator, exchanged at the backend. */
  signIn(email: string): Promise<string>;
  close(): Promise<void>;
};

/** Emulators + the real backend over real HTTP on the chosen database, with short job retry delays. */
export async function startStack(
  database: DatabaseChoice,
  extraEnv: Record<string, string> = {},
  emulatorOptions: EmulatorsOptions = {},
  { auth = 'key', ...startOptions }: Pick<StartOptions, 'meetSpace' | 'sms'> & { auth?: GoogleAuthMode } = {},
): Promise<Stack> {
  const emulators = await startEmulators({ delegatedUsers: ['ada@example.com', 'bob@example.com'], ...emulatorOptions });
  // Keyless: the backend's own identity comes from the emulated metadata server, as on Cloud Run.
  const restoreEnv = auth === 'keyless' ? useEmulatedAdc(emulators.adcEnv) : undefined;
  const host = await startSavvySolveHostEmulator({ secret: HOST_WEBHOOK_SECRET, apiToken: HOST_API_TOKEN });
  const scratch = database === 'postgres' ? await createScratchDatabase() : undefined;
  // A known port, so PUBLIC_BASE_URL (and the Twilio status callbacks signed against it) point at this backend.
  const port = await freePort();
  const env = {
    ...(auth === 'keyless' ? emulators.keylessBackendEnv : emulators.backendEnv),
    PORT: String(port),
    PUBLIC_BASE_URL: `http://127.0.0.1:${port}`,
    ...(scratch ? { DATABASE_URL: scratch.url } : { PGLITE_DATA_DIR: 'memory://' }),
    ADMIN_API_TOKEN: ADMIN_TOKEN,
    SESSION_SECRET,
    GOOGLE_OAUTH_CLIENT_IDS: OAUTH_CLIENT_ID,
    WORKSPACE_DOMAINS: WORKSPACE_DOMAIN,
    SAVVYSOLVE_WEBHOOK_SECRET: HOST_WEBHOOK_SECRET,
    SAVVYSOLVE_API_URL: host.apiUrl,
    SAVVYSOLVE_API_TOKEN: HOST_API_TOKEN,
    SAVVYSOLVE_EVENTS_URL: host.eventsUrl,
    DEFAULT_PHONE_REGION: 'US',
    ...extraEnv,
  };
  // PGlite in memory starts from the migrated template (test/support/pglite-template.ts).
  const config = { ...loadConfig(env), ...(scratch ? {} : { database: await memoryPglite() }) };
  const { logger, lines } = createMemoryLogger();
  const backend = await startBackend(config, {
    log: logger,
    jobs: { pollingIntervalSeconds: 0.5, retryDelaySeconds: 1 },
    calendar: { retryBaseDelayMs: 20, pendingPollIntervalMs: 20 },
    meetSpace: { retryBaseDelayMs: 20 },
    ...startOptions,
  });
  const api = backendClient(backend.url, ADMIN_TOKEN);
  return {
    emulators,
    host,
    backend,
    api,
    logs: lines,
    env,
    signIn: (email) => api.signIn(emulators.google.issueAccessToken({ email, audience: OAUTH_CLIENT_ID })),
    async close() {
      await backend.close();
      await emulators.close();
      await host.close();
      await scratch?.drop();
      restoreEnv?.();
    },
  };
}

/**
 * Counts of everything a request could create or send (rows, Calendar inserts, SMS, realtime messages): equal
 * before and after, a refused request had no side effect.
 */
export async function snapshotSideEffects(stack: Stack) {
  const db = stack.backend.database.db;
  const rows = async (table: typeof solvers | typeof sessions | typeof smsDeliveries | typeof auditEvents) =>
    (await db.select({ n: count() }).from(table))[0]!.n;
  return {
    solvers: await rows(solvers),
    sessions: await rows(sessions),
    sms: await rows(smsDeliveries),
    audit: await rows(auditEvents),
    calendarInserts: stack.emulators.google.requests('events.insert').length,
    twilio: stack.emulators.twilio.requests('messages.create').length,
    ably: stack.emulators.ably.requests('publish').length,
  };
}

/** The data of a `session.upserted` event for an active session with Grace Hopper, happening now. */
export const activeSession = (sessionId: string, solverEmail: string, customerPhone: string) => ({
  sessionId,
  solverEmail,
  customerName: 'Grace Hopper',
  customerPhone,
  status: 'active',
  occurredAt: new Date().toISOString(),
});

/**
 * For `settle` while a session is live: its attendance polls go on until it ends (each schedules the next), and
 * they text, invite and message nobody.
 */
export const LIVE_POLLS = { ignoreQueues: ['meet.attendance-poll'] } as const;

/** Waits until nothing is left to happen for the session (test/support/quiescence.ts), then what it caused outside. */
export function settle(stack: Stack, sessionId: string, scope: Omit<QuiescenceScope, 'sessionId'> = {}): Promise<SessionEffects> {
  return settledEffects({ db: stack.backend.database.db, emulators: stack.emulators, host: stack.host }, sessionId, scope);
}

/** Waits until nothing is left to happen anywhere in the stack's database. */
export function settleAll(stack: Stack, scope: Omit<QuiescenceScope, 'sessionId'> = {}): Promise<void> {
  return waitForQuiescence(stack.backend.database.db, scope);
}
