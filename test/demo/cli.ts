import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '../../backend/logger.ts';
import { startDemo } from './start-demo.ts';

// `npm run demo`: the whole product on this machine, then what to do next.
const port = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const quiet = { ...createLogger(), info: () => {} };

const ports = {
  backend: port('DEMO_BACKEND_PORT', 8787),
  google: port('DEMO_GOOGLE_PORT', 4010),
  twilio: port('DEMO_TWILIO_PORT', 4011),
  ably: port('DEMO_ABLY_PORT', 4012),
  host: port('DEMO_HOST_PORT', 4013),
  fixture: port('DEMO_PAGE_PORT', 4020),
};
const variableFor: Record<keyof typeof ports, string> = {
  backend: 'DEMO_BACKEND_PORT',
  google: 'DEMO_GOOGLE_PORT',
  twilio: 'DEMO_TWILIO_PORT',
  ably: 'DEMO_ABLY_PORT',
  host: 'DEMO_HOST_PORT',
  fixture: 'DEMO_PAGE_PORT',
};

const googleAuth = process.env.DEMO_GOOGLE_AUTH ?? 'key';
if (googleAuth !== 'key' && googleAuth !== 'keyless') {
  console.error(`DEMO_GOOGLE_AUTH must be key or keyless (got "${googleAuth}").`);
  process.exit(1);
}

// Installed first: a signal during start-up stops it too (npm forwards SIGINT/SIGTERM to this process: the script
// `exec`s node, so no shell or tsx wrapper sits in between to swallow it).
let demo: Awaited<ReturnType<typeof startDemo>> | undefined;
let browser: ChildProcess | undefined;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    if (browser?.pid) process.kill(-browser.pid, 'SIGTERM');
    void (demo?.close() ?? Promise.resolve()).then(() => process.exit(0));
  });
}

console.log(`Starting the SavvySolve Meet demo (emulated Google, Twilio and Ably; embedded database; google: ${googleAuth})…`);
demo = await startDemo(ports, quiet, process.env.DEMO_OUT_DIR, googleAuth).catch((error: { code?: string; port?: number }) => {
  if (error.code !== 'EADDRINUSE') throw error;
  const taken = (Object.keys(ports) as (keyof typeof ports)[]).find((name) => ports[name] === error.port);
  console.error(
    `Port ${error.port} is already in use (is \`npm start\` or another demo running?): stop it, or set ${taken ? variableFor[taken] : 'the DEMO_*_PORT variables'} to a free port.`,
  );
  process.exit(1);
});

console.log(`
Demo ready.

  Backend            ${demo.backendUrl}/health   (google: ${demo.googleAuth}; DEMO_GOOGLE_AUTH=key|keyless)
  Extension (built)  ${demo.extensionDir}
  Session pages      ${demo.sessionUrl(demo.sessions.grace)}   (Grace Hopper, solver Ada — employed)
                     ${demo.sessionUrl(demo.sessions.alan)}   (Alan Turing, solver Ada)
                     ${demo.sessionUrl(demo.sessions.edsger)}   (Edsger Dijkstra, solver Carl — contract)
  SMS the customer got     ${demo.smsInbox}
  Realtime messages        ${demo.ablyInbox}

  The session pages stand in for the SavvySolve app: it made those sessions (its own UUIDs) and told the backend
  through signed webhooks; "New session" in the queue makes another. What the backend sends back is shown on each
  session page, in the panel "Events from SavvySolve Meet" (signature checked). Also at:
  Events from SavvySolve Meet   ${demo.hostEventsJson}
  Host events inbox             ${demo.hostInbox}

Next:
  1. In Chrome or Chromium open chrome://extensions, switch on Developer mode, "Load unpacked" and pick
     ${demo.extensionDir}
  2. Click the SavvySolve Meet toolbar button: the side panel opens. Click "Sign in with Google" and choose
     ada@example.com on the emulated Google's account chooser (it may have signed you in as Ada already).
  3. Open Grace Hopper's session page above and click "Start Google Meet" in its header: an emulated Meet room
     opens in a new tab, the SMS inbox shows the text Grace received, and back on the session page the panel
     "Events from SavvySolve Meet" lists meet_link.created with its signature ✓.
  4. The contract path: "Sign out" in the side panel, sign in again and choose carl@example.com. The panel says
     Google Meet is not available to Carl, and Edsger Dijkstra's session page gets no button.

Press Ctrl+C to stop.`);

if (process.env.DISPLAY && existsSync('/usr/bin/chromium') && process.env.DEMO_OPEN_BROWSER !== 'false') {
  const profile = mkdtempSync(join(tmpdir(), 'savvysolve-demo-'));
  browser = spawn(
    '/usr/bin/chromium',
    [`--user-data-dir=${profile}`, `--load-extension=${demo.extensionDir}`, '--no-first-run', demo.sessionUrl(demo.sessions.grace)],
    // Its own process group, stopped with the demo.
    { stdio: 'ignore', detached: true },
  );
  browser.unref();
  console.log('\nA display was found: Chromium was opened with the extension loaded.');
}
