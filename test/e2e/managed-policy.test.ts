/// <reference types="chrome" />
import { OptionsPage } from './pages/options-page.ts';
import { SessionPage } from './pages/session-page.ts';
import { SidePanel } from './pages/side-panel.ts';
import { ADA, OAUTH_CLIENT_ID } from './support/e2e-stack.ts';
import { ARTIFACTS_DIR, configureExtension, launchExtensionBrowser, type ExtensionBrowser } from './support/extension-browser.ts';
import { expect, test } from './support/fixtures.ts';

const POLICY_HEADER = '[data-policy-session-header]';

// The browser is launched here, with a policy that names the stack's backend (written before launch).
test.use({ suite: { name: 'managed-policy', browser: false } });
test.describe.configure({ mode: 'serial' });

let browser: ExtensionBrowser;
let sessionId: string;

test.beforeAll(async ({ stack }) => {
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

test.afterAll(async () => {
  await browser?.close();
});

test.describe('Chrome policy (managed storage) in real Chromium', () => {
  test('shows policy values read-only as "managed by your organization" on the options page', async ({ stack }) => {
    await expect
      .poll(async () => (await browser.evaluate(() => chrome.storage.managed.get(), undefined)).sessionHeaderSelector, {
        message: 'the policy to reach storage.managed',
      })
      .toBe(POLICY_HEADER);
    const options = await OptionsPage.open(browser);
    const header = options.field('Session header selector');
    await expect(header).toHaveValue(POLICY_HEADER);
    await expect(header).toHaveAttribute('readonly');
    await expect(options.managedBadge('sessionHeaderSelector')).toHaveText('Managed by your organization');
    await expect(options.field('Backend URL')).toHaveValue(stack.backend.url);
    await expect(options.managedBadge('backendUrl')).toBeVisible();

    // Fields the policy leaves alone stay editable, and saving them leaves the policy values in force.
    const domain = options.field('Google Workspace domain');
    await expect(domain).not.toHaveAttribute('readonly');
    await domain.fill('example.com');
    expect(await options.save()).toBe('Saved.');
    const stored = await browser.evaluate(() => chrome.storage.local.get(null), undefined);
    expect(stored).toMatchObject({
      workspaceDomain: 'example.com',
      backendUrl: 'http://localhost:9',
      sessionHeaderSelector: '[data-savvysolve-session-header]',
    });
    await expect(header).toHaveValue(POLICY_HEADER);
    // The backend's own states, as /health reports them: this e2e stack runs without Ably.
    await expect(options.page.getByTestId('status-ably')).toHaveText('Ably (live updates): not configured');
    await expect(options.page.getByTestId('status-googleCalendar')).toHaveText('Google Calendar (Meet links): configured');
    await expect(options.page.getByTestId('status-database')).toHaveText('Database (embedded PGlite): reachable');
    await options.page.screenshot({ path: `${ARTIFACTS_DIR}/options-managed.png`, fullPage: true });
    await options.page.close();
  });

  test('uses the policy values over the options page: its backend, and its header for the button', async ({ stack }) => {
    const panel = await SidePanel.open(browser);
    await expect(panel.signInButton.or(panel.accountName)).toBeVisible();
    if (await panel.signInButton.isVisible()) await panel.signIn();
    // Signing in at all proves the policy's backend is used: the options page's one does not exist.
    await expect(panel.accountName).toHaveText(ADA.name);

    const page = await SessionPage.open(browser.context, stack.fixture.url, sessionId);
    await expect(page.meetButton).toBeVisible();
    await expect(page.page.locator(`${POLICY_HEADER} savvysolve-meet-button`)).toHaveCount(1);
    await expect(page.header.locator('savvysolve-meet-button')).toHaveCount(0);
  });
});
