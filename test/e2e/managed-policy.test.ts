/// <reference types="chrome" />
import { mkdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OptionsPage } from './pages/options-page.ts';
import { SessionPage } from './pages/session-page.ts';
import { SidePanel } from './pages/side-panel.ts';
import { scanAccessibility } from './support/accessibility.ts';
import { ADA, eventually, OAUTH_CLIENT_ID, settingsFor, startE2EStack, type E2EStack } from './support/e2e-stack.ts';
import {
  ARTIFACTS_DIR,
  configureExtension,
  launchExtensionBrowser,
  writeExtensionPolicy,
  type ExtensionBrowser,
} from './support/extension-browser.ts';

/** Screenshots go with the other artifacts, or where E2E_SHOTS_DIR says (e.g. /tmp/shots). */
const SHOTS_DIR = process.env.E2E_SHOTS_DIR ?? ARTIFACTS_DIR;

const POLICY_HEADER = '[data-policy-session-header]';

describe('Chrome policy (managed storage) in real Chromium', () => {
  let stack: E2EStack;
  let browser: ExtensionBrowser;
  let sessionId: string;

  beforeAll(async () => {
    stack = await startE2EStack();
    const adaId = await stack.api.createSolver({ ...ADA, employment: 'employed', googleEmail: ADA.email });
    sessionId = await stack.api.createSession({ solverId: adaId, customerName: 'Grace Hopper', customerPhone: '+14155550123' });
    // The admin's policy: the real backend, and the button in another part of the page.
    browser = await launchExtensionBrowser({ policy: { backendUrl: stack.backend.url, sessionHeaderSelector: POLICY_HEADER } });
    // What the solver typed on the options page: a wrong backend and the usual header.
    await configureExtension(
      browser,
      {
        backendUrl: 'http://localhost:9',
        sessionUrlPatterns: [`${stack.fixture.url}/sessions/:sessionId`],
        oauthClientId: OAUTH_CLIENT_ID,
        authorizationEndpoint: `${stack.emulators.google.url}/o/oauth2/v2/auth`,
      },
      'http://127.0.0.1/*',
    );
    await browser.evaluate((values) => chrome.storage.local.set(values), { sessionHeaderSelector: '[data-savvysolve-session-header]' });
  });

  afterAll(async () => {
    await browser?.close();
    await stack?.close();
  });

  it('shows policy values read-only as "managed by your organization" on the options page', async () => {
    await eventually(
      async () => (await browser.evaluate(() => chrome.storage.managed.get(), undefined)).sessionHeaderSelector === POLICY_HEADER,
      'the policy to reach storage.managed',
    );
    const options = await OptionsPage.open(browser);
    const header = options.field('Session header selector');
    expect(await header.inputValue()).toBe(POLICY_HEADER);
    expect(await header.getAttribute('readonly')).not.toBeNull();
    expect(await options.managedBadge('sessionHeaderSelector').textContent()).toBe('Managed by your organization');
    expect(await options.field('Backend URL').inputValue()).toBe(stack.backend.url);
    expect(await options.managedBadge('backendUrl').isVisible()).toBe(true);

    // Fields the policy leaves alone stay editable, and saving them leaves the policy values in force.
    const domain = options.field('Google Workspace domain');
    expect(await domain.getAttribute('readonly')).toBeNull();
    await domain.fill('example.com');
    expect(await options.save()).toBe('Saved.');
    const stored = await browser.evaluate(() => chrome.storage.local.get(null), undefined);
    expect(stored).toMatchObject({
      workspaceDomain: 'example.com',
      backendUrl: 'http://localhost:9',
      sessionHeaderSelector: '[data-savvysolve-session-header]',
    });
    expect(await header.inputValue()).toBe(POLICY_HEADER);
    // The backend's own states, as /health reports them: this e2e stack runs without Ably.
    await eventually(
      async () => (await options.page.getByTestId('status-ably').textContent()) === 'Ably (live updates): not configured',
      'the backend status',
    );
    expect(await options.page.getByTestId('status-googleCalendar').textContent()).toBe('Google Calendar (Meet links): configured');
    expect(await options.page.getByTestId('status-database').textContent()).toBe('Database (embedded PGlite): reachable');
    await options.page.screenshot({ path: `${ARTIFACTS_DIR}/options-managed.png`, fullPage: true });
    await options.page.close();
  });

  it('uses the policy values over the options page: its backend, and its header for the button', async () => {
    const panel = await SidePanel.open(browser);
    if (await panel.signInButton.isVisible()) await panel.signIn();
    // Signing in at all proves the policy's backend is used: the options page's one does not exist.
    expect(await panel.accountName.textContent()).toBe(ADA.name);

    const page = await SessionPage.open(browser.context, stack.fixture.url, sessionId);
    await page.meetButton.waitFor({ state: 'visible' });
    expect(await page.page.locator(`${POLICY_HEADER} savvysolve-meet-button`).count()).toBe(1);
    expect(await page.header.locator('savvysolve-meet-button').count()).toBe(0);
  });
});

/** A backend the organization does not want used: it only counts what reaches it (and answers 503). */
async function startUnwantedBackend(): Promise<{ url: string; requests: string[]; close(): Promise<void> }> {
  const requests: string[] = [];
  const server: Server = createServer((request, response) => {
    requests.push(`${request.method} ${request.url}`);
    response.writeHead(503).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

describe('Chrome policy that arrives after start-up (fresh profile)', () => {
  let stack: E2EStack;
  let browser: ExtensionBrowser;
  let unwanted: Awaited<ReturnType<typeof startUnwantedBackend>>;
  let removePolicy = () => {};
  /** Requests the real backend logged (nothing else calls it during the test: the stack is set up before). */
  const backendRequests = () => stack.logs.filter((line) => line.includes('"message":"request"')).length;

  beforeAll(async () => {
    mkdirSync(SHOTS_DIR, { recursive: true });
    stack = await startE2EStack();
    await stack.api.createSolver({ ...ADA, employment: 'employed', googleEmail: ADA.email });
    unwanted = await startUnwantedBackend();
  });

  afterAll(async () => {
    removePolicy();
    await browser?.close();
    await unwanted?.close();
    await stack?.close();
  });

  it('says it waits for the organization’s settings and calls no backend until the policy is there, then uses it', async () => {
    const before = backendRequests();
    // No policy file at launch: Chrome answers `{}` at first, as it can on a fresh profile before policy loads.
    browser = await launchExtensionBrowser({ policyMayFollow: true });
    // Without policy the extension would use this backend (what the solver typed, or a build's default).
    await browser.evaluate((values) => chrome.storage.local.set(values), { ...settingsFor(stack), backendUrl: unwanted.url });

    const panel = await SidePanel.open(browser);
    const waiting = panel.page.getByTestId('waiting-for-policy');
    await waiting.waitFor({ timeout: 10_000 });
    expect(await waiting.getByRole('heading').textContent()).toBe('Waiting for your organization’s settings');
    const options = await browser.extensionPage('options.html', { width: 900, height: 700 });
    await options.getByTestId('waiting-for-policy').waitFor({ timeout: 5_000 });
    expect(await options.getByRole('button', { name: 'Save' }).count()).toBe(0);

    // The admin's policy lands now; Chrome applies it some 5 s later, within the extension's 10 s wait.
    removePolicy = writeExtensionPolicy({ backendUrl: stack.backend.url });
    await panel.page.screenshot({ path: `${SHOTS_DIR}/policy-waiting.png` });
    await options.screenshot({ path: `${SHOTS_DIR}/policy-waiting-options.png` });
    const scan = await scanAccessibility(panel.page);
    expect(scan.report + scan.needsReview, 'axe on the waiting side panel').toBe('');

    // Until Chrome has the policy, the panel waits and no backend hears from the extension: neither the policy's
    // nor the one it would use without policy. (Requests are counted first, then the policy is checked still absent.)
    let samples = 0;
    for (;;) {
      const requests = backendRequests() - before + unwanted.requests.length;
      const shown = await waiting.isVisible();
      const policy = await browser.evaluate(() => chrome.storage.managed.get(), undefined);
      if (Object.keys(policy).length > 0) break;
      expect({ requests, shown, unwanted: unwanted.requests }).toEqual({ requests: 0, shown: true, unwanted: [] });
      samples += 1;
      if (samples > 100) throw new Error('Chrome has not applied the policy 20 s after it was written');
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(samples).toBeGreaterThan(1);

    // Then the policy's backend is used: the silent sign-in (or the button) goes there, and nothing to the other.
    await panel.signInButton.or(panel.accountName).waitFor({ timeout: 20_000 });
    if (await panel.signInButton.isVisible()) await panel.signIn();
    expect(await panel.accountName.textContent()).toBe(ADA.name);
    expect(backendRequests()).toBeGreaterThan(before);
    await options.getByTestId('managed-backendUrl').waitFor();
    expect(await options.getByLabel('Backend URL', { exact: true }).inputValue()).toBe(stack.backend.url);
    expect(unwanted.requests).toEqual([]);
    // The wait was for a policy, not for nothing: the next start-up waits again if Chrome answers `{}` first.
    expect(await browser.evaluate(() => chrome.storage.local.get('managedPolicyAbsent'), undefined)).not.toEqual({
      managedPolicyAbsent: true,
    });
  });
});
