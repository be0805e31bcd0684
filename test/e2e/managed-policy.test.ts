/// <reference types="chrome" />
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OptionsPage } from './pages/options-page.ts';
import { SessionPage } from './pages/session-page.ts';
import { SidePanel } from './pages/side-panel.ts';
import { ADA, eventually, OAUTH_CLIENT_ID, startE2EStack, type E2EStack } from './support/e2e-stack.ts';
import { ARTIFACTS_DIR, configureExtension, launchExtensionBrowser, type ExtensionBrowser } from './support/extension-browser.ts';

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
