import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../../backend/env.ts';
import type { Logger } from '../../backend/logger.ts';
import { startBackend } from '../../backend/start.ts';
import { SAVVYSOLVE_WEBHOOK_PATH } from '../../shared/index.ts';
import { startEmulators, startSavvySolveHostEmulator, useEmulatedAdc } from '../emulators/index.ts';
import { startFixtureServer } from '../fixtures/session-app/serve.ts';

export const DEMO_OAUTH_CLIENT_ID = 'savvysolve-demo.apps.googleusercontent.com';
const ADMIN_TOKEN = 'demo-admin-token-0123456789';
/** What the stand-in SavvySolve app and the backend share: the Standard Webhooks secret and the pull API's token. */
const HOST_WEBHOOK_SECRET = `whsec_${Buffer.from('savvysolve-demo-webhook-secret').toString('base64')}`;
const HOST_API_TOKEN = 'savvysolve-demo-api-token';
const root = fileURLToPath(new URL('../..', import.meta.url));

export type DemoPorts = { backend: number; google: number; twilio: number; ably: number; host: number; fixture: number };
/** `DEMO_GOOGLE_AUTH`: the backend signs delegated tokens with the emulated key, or keyless through emulated IAM. */
export type DemoGoogleAuth = 'key' | 'keyless';

/**
 * The whole product on one machine with no outside account: emulators, the backend on embedded PGlite, the
 * fixture session page as a stand-in SavvySolve app (it tells the backend about an employed and a contract solver
 * and their sessions through signed webhooks, and shows the events the backend sends back), and the extension
 * built to point at all of it (into its own output folder).
 */
export async function startDemo(ports: DemoPorts, log: Logger, outDir = `${root}.output/demo`, googleAuth: DemoGoogleAuth = 'key') {
  const emulators = await startEmulators({
    delegatedUsers: ['ada@example.com'],
    ports: { google: ports.google, twilio: ports.twilio, ably: ports.ably },
    // Two accounts in the emulated browser: signing in offers a chooser, so the contract path (Carl) can be seen too.
    google: { meetBaseUrl: (url) => `${url}/meet`, signedInUser: ['ada@example.com', 'carl@example.com'] },
    twilio: { statusCallbacks: 'auto' },
  });
  // The SavvySolve app's side of the wire: signs what the stand-in sends, verifies and keeps what the backend sends.
  const host = await startSavvySolveHostEmulator({ secret: HOST_WEBHOOK_SECRET, apiToken: HOST_API_TOKEN, port: ports.host });
  const backendUrl = `http://127.0.0.1:${ports.backend}`;
  // Keyless: the backend's own identity comes from the emulated metadata server, as on Cloud Run.
  if (googleAuth === 'keyless') useEmulatedAdc(emulators.adcEnv);
  const config = loadConfig({
    ...(googleAuth === 'keyless' ? emulators.keylessBackendEnv : emulators.backendEnv),
    PORT: String(ports.backend),
    PUBLIC_BASE_URL: backendUrl,
    PGLITE_DATA_DIR: 'memory://',
    ADMIN_API_TOKEN: ADMIN_TOKEN,
    SESSION_SECRET: 'demo-session-secret-0123456789abcdefghij',
    GOOGLE_OAUTH_CLIENT_IDS: DEMO_OAUTH_CLIENT_ID,
    WORKSPACE_DOMAINS: 'example.com',
    SAVVYSOLVE_WEBHOOK_SECRET: HOST_WEBHOOK_SECRET,
    SAVVYSOLVE_API_URL: host.apiUrl,
    SAVVYSOLVE_API_TOKEN: HOST_API_TOKEN,
    SAVVYSOLVE_EVENTS_URL: host.eventsUrl,
    DEFAULT_PHONE_REGION: 'US',
  });
  const backend = await startBackend(config, { log, jobs: { pollingIntervalSeconds: 0.5 } });
  const fixture = await startFixtureServer(ports.fixture, { emulator: host, webhookUrl: `${backendUrl}${SAVVYSOLVE_WEBHOOK_PATH}` });

  // No admin API: the stand-in app tells the backend, as SavvySolve would (signed solver.upserted, session.upserted).
  const standIn = fixture.host!;
  await standIn.upsertSolver({ email: 'ada@example.com', name: 'Ada Lovelace', employment: 'employed', googleEmail: 'ada@example.com' });
  await standIn.upsertSolver({ email: 'carl@example.com', name: 'Carl Contract', employment: 'contract', googleEmail: null });
  const session = async (solverEmail: string, customerName: string, customerPhone: string) =>
    (await standIn.createSession({ solverEmail, customerName, customerPhone })).sessionId;
  const sessions = {
    grace: await session('ada@example.com', 'Grace Hopper', '+14155550123'),
    // A national number: the backend reads it with DEFAULT_PHONE_REGION=US.
    alan: await session('ada@example.com', 'Alan Turing', '(415) 555-0124'),
    edsger: await session('carl@example.com', 'Edsger Dijkstra', '+14155550125'),
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
    googleAuth,
    extensionDir,
    sessionUrl: (id: string) => `${fixture.url}/sessions/${id}`,
    sessions,
    smsInbox: `${emulators.twilio.url}/__emulator/inbox`,
    ablyInbox: `${emulators.ably.url}/__emulator/inbox`,
    /** The events the backend sent the stand-in app: JSON on the page's origin, and the emulator's inbox page. */
    hostEventsJson: `${fixture.url}/host/events`,
    hostInbox: `${host.url}/__emulator/inbox`,
    async close() {
      await fixture.close();
      await backend.close();
      await emulators.close();
      await host.close();
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
  // The demo stopped (Ctrl+C) while building: the build stops too.
  const stopBuild = () => wxt.kill();
  process.once('exit', stopBuild);
  return new Promise((resolve, reject) =>
    wxt.once('exit', (code) => {
      process.off('exit', stopBuild);
      if (code === 0) resolve();
      else reject(new Error(`building the extension failed:\n${output}`));
    }),
  );
}
