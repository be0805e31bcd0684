import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../../backend/env.ts';
import type { Logger } from '../../backend/logger.ts';
import { startBackend } from '../../backend/start.ts';
import { startEmulators } from '../emulators/index.ts';
import { startFixtureServer } from '../fixtures/session-app/serve.ts';
import { backendClient } from '../support/backend-client.ts';

export const DEMO_OAUTH_CLIENT_ID = 'savvysolve-demo.apps.googleusercontent.com';
const ADMIN_TOKEN = 'demo-admin-token-0123456789';
const root = fileURLToPath(new URL('../..', import.meta.url));

export type DemoPorts = { backend: number; google: number; twilio: number; ably: number; fixture: number };

/**
 * The whole product on one machine with no outside account: emulators, the backend on embedded PGlite, a
 * seeded employed and contract solver with sessions, the fixture session page, and the extension built to
 * point at all of it (into its own output folder).
 */
export async function startDemo(ports: DemoPorts, log: Logger, outDir = `${root}.output/demo`) {
  const emulators = await startEmulators({
    delegatedUsers: ['ada@example.com'],
    ports: { google: ports.google, twilio: ports.twilio, ably: ports.ably },
    google: { meetBaseUrl: (url) => `${url}/meet`, signedInUser: 'ada@example.com' },
    twilio: { statusCallbacks: 'auto' },
  });
  const backendUrl = `http://127.0.0.1:${ports.backend}`;
  const config = loadConfig({
    ...emulators.backendEnv,
    PORT: String(ports.backend),
    PUBLIC_BASE_URL: backendUrl,
    PGLITE_DATA_DIR: 'memory://',
    ADMIN_API_TOKEN: ADMIN_TOKEN,
    SESSION_SECRET: 'demo-session-secret-0123456789abcdefghij',
    GOOGLE_OAUTH_CLIENT_IDS: DEMO_OAUTH_CLIENT_ID,
    WORKSPACE_DOMAINS: 'example.com',
  });
  const backend = await startBackend(config, { log, jobs: { pollingIntervalSeconds: 0.5 } });
  const fixture = await startFixtureServer(ports.fixture);

  const api = backendClient(backend.url, ADMIN_TOKEN);
  const ada = await api.createSolver({
    name: 'Ada Lovelace',
    email: 'ada@example.com',
    employment: 'employed',
    googleEmail: 'ada@example.com',
  });
  const carl = await api.createSolver({ name: 'Carl Contract', email: 'carl@example.com', employment: 'contract' });
  const sessions = {
    grace: await api.createSession({ solverId: ada, customerName: 'Grace Hopper', customerPhone: '+14155550123' }),
    alan: await api.createSession({ solverId: ada, customerName: 'Alan Turing', customerPhone: '+14155550124' }),
    edsger: await api.createSession({ solverId: carl, customerName: 'Edsger Dijkstra', customerPhone: '+14155550125' }),
  };

  const extensionDir = `${outDir}/chrome-mv3`;
  await buildExtension(outDir, {
    backendUrl,
    sessionUrlPatterns: [`${fixture.url}/sessions/:sessionId`],
    oauthClientId: DEMO_OAUTH_CLIENT_ID,
    authorizationEndpoint: `${emulators.google.url}/o/oauth2/v2/auth`,
  });

  return {
    backendUrl,
    extensionDir,
    sessionUrl: (id: string) => `${fixture.url}/sessions/${id}`,
    sessions,
    smsInbox: `${emulators.twilio.url}/__emulator/inbox`,
    ablyInbox: `${emulators.ably.url}/__emulator/inbox`,
    async close() {
      await fixture.close();
      await backend.close();
      await emulators.close();
    },
  };
}

function buildExtension(outDir: string, defaults: Record<string, unknown>): Promise<void> {
  const wxt = spawn(process.execPath, [`${root}node_modules/wxt/bin/wxt.mjs`, 'build'], {
    cwd: root,
    env: { ...process.env, SAVVYSOLVE_OUT_DIR: outDir, WXT_DEFAULT_SETTINGS: JSON.stringify(defaults) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  wxt.stdout.on('data', (chunk) => (output += chunk));
  wxt.stderr.on('data', (chunk) => (output += chunk));
  return new Promise((resolve, reject) =>
    wxt.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`building the extension failed:\n${output}`)))),
  );
}
