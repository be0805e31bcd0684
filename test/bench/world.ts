import { createSessionTokens } from '../../backend/auth/session-tokens.ts';
import { startEmulators, type Emulators } from '../emulators/index.ts';

/**
 * The outside latencies the issue prescribes, applied by the emulators to every request of the route. `meet` (the
 * Meet REST API v2) is ours, not the issue's: assumed as slow as Calendar.
 */
export const OUTSIDE_LATENCY_MS = { calendar: 200, twilio: 400, ably: 100, meet: 200 } as const;

/** The Meet REST API routes the backend calls (access step, attendance poll and pushed events, retirement). */
export const MEET_API_ROUTES = [
  'spaces.get',
  'spaces.patch',
  'conferenceRecords.list',
  'conferenceRecords.get',
  'participants.list',
] as const;

/** Every outside service's base URL the backend reads; each must point at an emulator on loopback. */
const OUTSIDE_URLS = ['GOOGLE_OAUTH_URL', 'GOOGLE_API_URL', 'GOOGLE_MEET_API_URL', 'TWILIO_API_URL', 'ABLY_REST_URL'] as const;

export const SESSION_SECRET = 'bench-session-secret-0123456789abcdef0123';
export const ADMIN_TOKEN = 'bench-admin-token-0123456789';

/** How many solver identities the emulated Workspace grants delegation for (`solverEmail(0..n-1)`). */
export const MAX_SOLVERS = 2_000;
export const solverEmail = (index: number) => `bench-solver-${index}@example.com`;

export type World = {
  emulators: Emulators;
  /** Env for a backend (or the bench server) that talks to these emulators. */
  backendEnv: Record<string, string>;
  /** Sets the outside latencies (again: `emulators.reset()` clears them). */
  applyLatencies(): void;
  /** A backend session token for a solver id, as `/api/auth/session` issues it (same secret, same claims). */
  token(solverId: string): Promise<string>;
  close(): Promise<void>;
};

/**
 * Google, Twilio and Ably emulators on loopback with the issue's latencies: Calendar 200 ms (event insert and get,
 * and the service account's token exchange, which google-auth-library does once per solver and scope set and then
 * caches), Twilio 400 ms (message create), Ably 100 ms (publish); and Meet REST API 200 ms (our assumption).
 */
export async function startWorld(): Promise<World> {
  const emulators = await startEmulators({
    delegatedUsers: Array.from({ length: MAX_SOLVERS }, (_, index) => solverEmail(index)),
  });
  const applyLatencies = () => {
    for (const route of ['token', 'events.insert', 'events.get'] as const) {
      emulators.google.faults.set(route, { latencyMs: OUTSIDE_LATENCY_MS.calendar });
    }
    for (const route of MEET_API_ROUTES) emulators.google.faults.set(route, { latencyMs: OUTSIDE_LATENCY_MS.meet });
    emulators.twilio.faults.set('messages.create', { latencyMs: OUTSIDE_LATENCY_MS.twilio });
    emulators.ably.faults.set('publish', { latencyMs: OUTSIDE_LATENCY_MS.ably });
  };
  applyLatencies();
  const tokens = createSessionTokens(SESSION_SECRET);
  const backendEnv: Record<string, string> = {
    ...emulators.backendEnv,
    SESSION_SECRET,
    ADMIN_API_TOKEN: ADMIN_TOKEN,
    GOOGLE_OAUTH_CLIENT_IDS: 'savvysolve-bench.apps.googleusercontent.com',
    NODE_ENV: 'production',
  };
  // An unset URL means the backend's default: the real Google, Twilio or Ably. The bench must never call them.
  const outside = OUTSIDE_URLS.filter((name) => !/^http:\/\/127\.0\.0\.1:\d+$/.test(backendEnv[name] ?? ''));
  if (outside.length > 0) {
    await emulators.close();
    throw new Error(`the bench's backend env must point ${outside.join(', ')} at the emulators on 127.0.0.1`);
  }
  return {
    emulators,
    backendEnv,
    applyLatencies,
    token: async (solverId) => (await tokens.issue({ solverId, tokenVersion: 0 })).token,
    close: () => emulators.close(),
  };
}
