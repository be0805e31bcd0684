import { SAVVYSOLVE_WEBHOOK_PATH } from '../../../shared/index.ts';
import { startFixtureServer, type FixtureServer } from '../../fixtures/session-app/serve.ts';
import { OAUTH_CLIENT_ID, startStack, type Stack } from '../../integration/stack.ts';

export { OAUTH_CLIENT_ID };

export const ADA = { name: 'Ada Lovelace', email: 'ada@example.com' };
export const CARL = { name: 'Carl Contract', email: 'carl@example.com' };

export type E2EStack = Stack & { fixture: FixtureServer };

export type E2EStackOptions = {
  /** Ably on, pointed at the emulator (REST and realtime): the side panel gets live updates instead of polling. */
  ably?: boolean;
  /** Twilio status callbacks: `auto` (default: sent, then delivered, by themselves) or `manual` (`sendStatusCallback`). */
  statusCallbacks?: 'auto' | 'manual';
  /**
   * MEET_ATTENDANCE_SOURCE=events, with the emulated Pub/Sub pushing the Meet events to the backend: polling only
   * reconciles (every 5 minutes once a space's subscription is active; the first poll still comes a second after the link).
   */
  meetEvents?: boolean;
};

/** The push subscription's service account (PUBSUB_PUSH_SERVICE_ACCOUNT) when `meetEvents` is on. */
export const PUSH_SERVICE_ACCOUNT = 'meet-events-push@emulated-project.iam.gserviceaccount.com';
const MEET_EVENTS_ENV = {
  MEET_ATTENDANCE_SOURCE: 'events',
  MEET_EVENTS_TOPIC: 'projects/emulated-project/topics/meet-events',
  PUBSUB_PUSH_SERVICE_ACCOUNT: PUSH_SERVICE_ACCOUNT,
};

/**
 * The stack the extension talks to in the e2e run: the integration stack (emulators and the real backend on
 * PGlite in memory) with Meet rooms served on loopback, Twilio delivering status callbacks by itself, and — unless
 * `ably` — no Ably, so the side panel polls; plus the fixture session app, wired as the stand-in SavvySolve app to
 * the stack's host emulator (its pages show the events the backend sends). Meet attendance is polled every second
 * (with `meetEvents`, until the space's subscription is active, then every 5 minutes: the pushes carry it).
 */
export async function startE2EStack(options: E2EStackOptions = {}): Promise<E2EStack> {
  const stack = await startStack(
    'pglite',
    {
      ...(options.ably ? {} : { ABLY_API_KEY: '', ABLY_REST_URL: '', ABLY_REALTIME_URL: '' }),
      ...(options.meetEvents ? MEET_EVENTS_ENV : {}),
    },
    {
      delegatedUsers: [ADA.email, CARL.email],
      google: { meetBaseUrl: (url) => `${url}/meet`, signedInUser: ADA.email },
      twilio: { statusCallbacks: options.statusCallbacks ?? 'auto' },
    },
    // Attendance read every second, so the side panel and the button follow a call within a test's patience.
    { meetSpace: { retryBaseDelayMs: 20, pollCadence: { fastSeconds: 1, slowSeconds: 1 } } },
  );
  if (options.meetEvents) {
    const endpoint = `${stack.backend.url}/webhooks/google/meet-events`;
    stack.emulators.google.pubsub.configure({ endpoint, serviceAccountEmail: PUSH_SERVICE_ACCOUNT });
  }
  const fixture = await startFixtureServer(0, { emulator: stack.host, webhookUrl: `${stack.backend.url}${SAVVYSOLVE_WEBHOOK_PATH}` });
  return {
    ...stack,
    fixture,
    async close() {
      await fixture.close();
      await stack.close();
    },
  };
}

/** The extension settings that point it at this stack (what a solver would type on the options page). */
export const settingsFor = (stack: E2EStack) => ({
  backendUrl: stack.backend.url,
  sessionUrlPatterns: [`${stack.fixture.url}/sessions/:sessionId`],
  oauthClientId: OAUTH_CLIENT_ID,
  authorizationEndpoint: `${stack.emulators.google.url}/o/oauth2/v2/auth`,
});

/** How many requests the backend logged for this path (e.g. `/api/meet/can-use`). */
export const requestCount = (logs: string[], path: string) =>
  logs.filter((line) => line.includes('"message":"request"') && line.includes(`"path":"${path}"`)).length;
