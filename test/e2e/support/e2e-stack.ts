import { createServer } from 'node:net';
import { loadConfig } from '../../../backend/env.ts';
import { createMemoryLogger } from '../../../backend/logger.ts';
import { startBackend, type RunningBackend } from '../../../backend/start.ts';
import { startEmulators, type Emulators } from '../../emulators/index.ts';
import { startFixtureServer, type FixtureServer } from '../../fixtures/session-app/serve.ts';
import { ADMIN_TOKEN, OAUTH_CLIENT_ID, SESSION_SECRET, WORKSPACE_DOMAIN } from '../../integration/stack.ts';
import { backendClient, type BackendClient } from '../../support/backend-client.ts';

export { eventually } from '../../integration/stack.ts';
export { OAUTH_CLIENT_ID };

export const ADA = { name: 'Ada Lovelace', email: 'ada@example.com' };
export const CARL = { name: 'Carl Contract', email: 'carl@example.com' };

export type E2EStack = {
  emulators: Emulators;
  backend: RunningBackend;
  api: BackendClient;
  fixture: FixtureServer;
  /** Backend log lines (JSON), to see which requests the extension made. */
  logs: string[];
  close(): Promise<void>;
};

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/**
 * The stack the extension talks to in the e2e run: the emulators (Meet rooms served on loopback, Twilio
 * delivering status callbacks by itself), the real backend on PGlite in memory — without Ably, as there is no
 * realtime (websocket) emulator, so the side panel polls — and the fixture session app.
 */
export async function startE2EStack(): Promise<E2EStack> {
  const emulators = await startEmulators({
    delegatedUsers: [ADA.email, CARL.email],
    google: { meetBaseUrl: (url) => `${url}/meet`, signedInUser: ADA.email },
    twilio: { statusCallbacks: 'auto' },
  });
  // The port is chosen first so Twilio's status callbacks can be addressed to the backend.
  const port = await freePort();
  const { ABLY_API_KEY: _ably, ABLY_REST_URL: _ablyUrl, ...backendEnv } = emulators.backendEnv;
  const config = loadConfig({
    ...backendEnv,
    PORT: String(port),
    PUBLIC_BASE_URL: `http://127.0.0.1:${port}`,
    PGLITE_DATA_DIR: 'memory://',
    ADMIN_API_TOKEN: ADMIN_TOKEN,
    SESSION_SECRET,
    GOOGLE_OAUTH_CLIENT_IDS: OAUTH_CLIENT_ID,
    WORKSPACE_DOMAINS: WORKSPACE_DOMAIN,
  });
  const { logger, lines } = createMemoryLogger();
  const backend = await startBackend(config, {
    log: logger,
    jobs: { pollingIntervalSeconds: 0.5, retryDelaySeconds: 1 },
    calendar: { retryBaseDelayMs: 20, pendingPollIntervalMs: 20 },
  });
  const fixture = await startFixtureServer();
  return {
    emulators,
    backend,
    api: backendClient(backend.url, ADMIN_TOKEN),
    fixture,
    logs: lines,
    async close() {
      await fixture.close();
      await backend.close();
      await emulators.close();
    },
  };
}

/** How many requests the backend logged for this path (e.g. `/api/meet/can-use`). */
export const requestCount = (logs: string[], path: string) =>
  logs.filter((line) => line.includes('"message":"request"') && line.includes(`"path":"${path}"`)).length;
