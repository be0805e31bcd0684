/// <reference types="chrome" />
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SessionPage } from './pages/session-page.ts';
import { SidePanel } from './pages/side-panel.ts';
import { ARTIFACTS_DIR, launchExtensionBrowser, nextTab, type ExtensionBrowser } from './support/extension-browser.ts';
import { expect, test } from './support/fixtures.ts';

/** Screenshots go with the other artifacts, or where E2E_SHOTS_DIR says (e.g. /tmp/shots). */
const SHOTS_DIR = process.env.E2E_SHOTS_DIR ?? ARTIFACTS_DIR;

// `npm run demo` as a newcomer runs it, then the README's next steps in Chromium: from nothing to a Meet link.
const freePort = () =>
  new Promise<number>((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });

// No fixture stack or browser: the demo is the stack, and the browser loads the extension the demo built.
test.use({ suite: { name: 'demo', stack: false, browser: false } });
test.describe.configure({ mode: 'serial' });

let demo: ChildProcess;
let output = '';
let outDir: string;
let browser: ExtensionBrowser | undefined;
let panel: SidePanel;
const line = (label: string) => new RegExp(`${label}\\s+(\\S+)`).exec(output)?.[1] ?? '';

test.beforeAll(async () => {
  // The demo builds the extension and starts every emulator: slower than a test's minute on a loaded machine.
  test.setTimeout(120_000);
  outDir = await mkdtemp(join(tmpdir(), 'ssm-demo-'));
  const [backend, google, twilio, ably, host, page] = await Promise.all(Array.from({ length: 6 }, freePort));
  demo = spawn(process.execPath, ['--import', 'tsx', 'test/demo/cli.ts'], {
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      DEMO_BACKEND_PORT: String(backend),
      DEMO_GOOGLE_PORT: String(google),
      DEMO_TWILIO_PORT: String(twilio),
      DEMO_ABLY_PORT: String(ably),
      DEMO_HOST_PORT: String(host),
      DEMO_PAGE_PORT: String(page),
      DEMO_OUT_DIR: outDir,
      DEMO_OPEN_BROWSER: 'false',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  demo.stdout!.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  demo.stderr!.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  await expect.poll(() => output, { message: 'the demo to start', timeout: 90_000 }).toContain('Press Ctrl+C to stop.');
});

test.afterAll(async () => {
  await browser?.close();
  if (demo && demo.exitCode === null) {
    demo.kill('SIGTERM');
    await new Promise((resolve) => demo.once('exit', resolve));
  }
  await rm(outDir, { recursive: true, force: true });
});

test.describe('npm run demo', () => {
  test('serves the backend with every emulated integration and prints what to do next', async () => {
    const health = await (await fetch(line('Backend'))).json();
    expect(health).toMatchObject({ status: 'ok', database: { kind: 'pglite' } });
    expect(Object.keys(health.integrations)).toHaveLength(8);
    expect(health.integrations).toMatchObject({
      savvysolveWebhooks: 'configured',
      savvysolveApi: 'configured',
      savvysolveEvents: 'configured',
    });
    expect(Object.values(health.integrations)).toEqual(Array(8).fill('configured'));
    expect(output).toContain('Load unpacked');
    expect(line('Extension \\(built\\)')).toBe(`${outDir}/chrome-mv3`);
    expect(line('Events from SavvySolve Meet')).toBe(`${new URL(line('Session pages')).origin}/host/events`);
    expect(line('Host events inbox')).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/__emulator\/inbox$/);
  });

  test('has the stand-in SavvySolve app make its sessions with its own UUIDs, told to the backend by signed webhooks', async () => {
    // Nothing came from the admin API: the stand-in's own record of what it sent, and the backend's answers.
    const sessionUrl = line('Session pages');
    const origin = new URL(sessionUrl).origin;
    const sessionId = sessionUrl.split('/').at(-1)!;
    const known = await (await fetch(`${origin}/host/sessions/${sessionId}`)).json();
    expect(known.session).toMatchObject({ sessionId, customerName: 'Grace Hopper', solverEmail: 'ada@example.com', status: 'active' });
    expect(known.session.sent).toEqual([expect.objectContaining({ type: 'session.upserted', status: 200, outcome: 'created' })]);
    const host = await (await fetch(`${origin}/host`)).json();
    expect(host.solvers.map((solver: { email: string }) => solver.email)).toEqual(['ada@example.com', 'carl@example.com']);
    expect(host.sessions.map((session: { customerName: string }) => session.customerName)).toEqual([
      'Grace Hopper',
      'Alan Turing',
      'Edsger Dijkstra',
    ]);
  });

  test('gets a newcomer from the demo to a Meet link and the customer SMS, with no configuration', async () => {
    browser = await launchExtensionBrowser({ extensionDir: `${outDir}/chrome-mv3` });
    panel = await SidePanel.open(browser);
    // The emulated browser has two Google accounts: a silent sign-in at start-up may have picked the first (Ada);
    // otherwise "Sign in" shows the account chooser, where the newcomer picks Ada.
    await expect(panel.signInButton.or(panel.accountName)).toBeVisible();
    if (await panel.signInButton.isVisible()) await panel.signIn({ context: browser.context, account: 'ada@example.com' });
    await expect(panel.accountName).toHaveText('Ada Lovelace');

    const session = await SessionPage.open(
      browser.context,
      new URL(line('Session pages')).origin,
      line('Session pages').split('/').at(-1)!,
    );
    await expect(session.meetButton).toBeVisible({ timeout: 20_000 });
    const meetTab = nextTab(browser.context);
    await session.meetButton.click();
    const tab = await meetTab;
    await tab.waitForLoadState();
    expect(tab.url()).toMatch(/\/meet\/[a-z]{3}-[a-z]{4}-[a-z]{3}$/);

    const inbox = line('SMS the customer got');
    const inboxPage = async () => (await fetch(inbox)).text();
    await expect.poll(inboxPage, { message: 'the SMS in the emulated inbox' }).toContain(tab.url());
    expect(await inboxPage()).toContain('Ada Lovelace has started a video call for your support session. Join here:');

    // Back on the stand-in SavvySolve page: the backend told it, signed, and the page shows it.
    await session.page.bringToFront();
    const created = session.hostEventRows('meet_link.created');
    await expect(created).toHaveCount(1);
    await expect(created).toHaveAttribute('data-signature', 'valid');
    await expect(created).toContainText(tab.url());
    await expect(created.locator('td.signature')).toHaveText('✓ valid');
    await expect(session.header.locator('h1')).toHaveText('Grace Hopper');
    await session.page.screenshot({ path: `${ARTIFACTS_DIR}/demo-stand-in.png`, fullPage: true });
  });

  test('shows the contract path when Carl is chosen in the account chooser', async () => {
    await panel.page.bringToFront();
    await panel.signOut();
    // Signing out forgets the login hint: the chooser appears, and Carl (not the browser's first account) is picked.
    const chooser = browser!.context.waitForEvent('page', { timeout: 15_000 });
    await panel.signInButton.click();
    const page = await chooser;
    await expect(page.getByRole('heading', { name: 'Choose an account' })).toBeVisible();
    expect(await page.locator('a[data-account]').evaluateAll((links) => links.map((link) => link.getAttribute('data-account')))).toEqual([
      'ada@example.com',
      'carl@example.com',
    ]);
    await page.screenshot({ path: `${SHOTS_DIR}/demo-account-chooser.png` });
    await page.locator('a[data-account="carl@example.com"]').click();
    await expect(panel.accountName).toHaveText('Carl Contract');
    await expect(panel.notEligible).toContainText('Google Meet is only available for employed solvers');

    const sessionUrl = output
      .split('\n')
      .find((text) => text.includes('(Edsger Dijkstra'))!
      .trim()
      .split(/\s+/)[0]!;
    const edsger = await SessionPage.open(browser!.context, new URL(sessionUrl).origin, sessionUrl.split('/').at(-1)!);
    await expect(edsger.header).toBeVisible();
    // Signed out, the page asks again and shows the sign-in control: its checks run one at a time, so the one that
    // told Carl no had finished — and the sign-in control is the only host the page ever got.
    await panel.page.bringToFront();
    await panel.signOut();
    await expect(edsger.signInControl).toBeVisible({ timeout: 20_000 });
    expect(await edsger.hostsAdded()).toHaveLength(1);
    await expect(edsger.meetButton).toHaveCount(0);
  });
});
