/// <reference types="chrome" />
import { SessionPage } from './pages/session-page.ts';
import { SidePanel } from './pages/side-panel.ts';
import { ADA, settingsFor } from './support/e2e-stack.ts';
import { ARTIFACTS_DIR, nextTab } from './support/extension-browser.ts';
import { expect, test } from './support/fixtures.ts';
import { launchPolicyInstalled, startUpdateServer, type UpdateServer } from './support/policy-install.ts';

/**
 * The extension the way an organization ships it: `npm run package:selfhost` on its own update server,
 * `npm run admin -- policy` in Chromium's machine policy, and Chromium left to install and update it by itself.
 */
test.use({ suite: { name: 'selfhost', browser: false } });
test.describe.configure({ mode: 'serial' });

const PHONE = '+14155550177';
let updates: UpdateServer;
let browser: Awaited<ReturnType<typeof launchPolicyInstalled>>;
let sessionId: string;

test.beforeAll(async ({ stack }) => {
  updates = await startUpdateServer();
  const first = await updates.release('1.0.0');
  const adaId = await stack.api.createSolver({ ...ADA, employment: 'employed', googleEmail: ADA.email });
  sessionId = await stack.api.createSession({ solverId: adaId, customerName: 'Katherine Johnson', customerPhone: PHONE });
  browser = await launchPolicyInstalled(first, settingsFor(stack));
});

test.afterAll(async () => {
  await browser?.close();
  await updates?.close();
});

/** The installed version and how Chrome installed it, as the extension itself sees them. */
const self = () => browser.evaluate(async () => {
  const info = await chrome.management.getSelf();
  return { installType: info.installType, version: info.version };
}, undefined);

test('Chromium installs the CRX by policy, the policy configures it, and its button works on a session page', async ({ stack }) => {
  // Chromium asked the update server and fetched the package: no --load-extension anywhere.
  await expect.poll(self, { timeout: 60_000 }).toEqual({ installType: 'admin', version: '1.0.0' });
  expect(updates.requests.some((url) => url.startsWith('/extension/updates.xml?'))).toBe(true);
  expect(updates.requests).toContain('/extension/savvysolve-meet-1.0.0.crx');

  const options = await browser.extensionPage('options.html', { width: 900, height: 700 });
  await expect(options.getByTestId('managed-backendUrl')).toBeVisible();
  await expect(options.getByLabel('Backend URL', { exact: true })).toHaveValue(stack.backend.url);
  await options.screenshot({ path: `${ARTIFACTS_DIR}/selfhost-options.png` });
  await options.close();

  const panel = await SidePanel.open(browser);
  await expect(panel.signInButton.or(panel.accountName)).toBeVisible();
  if (await panel.signInButton.isVisible()) await panel.signIn();
  await expect(panel.accountName).toHaveText(ADA.name);

  const session = await SessionPage.open(browser.context, stack.fixture.url, sessionId);
  await expect(session.meetButton).toHaveText(/Start Google Meet/);
  const opened = nextTab(browser.context);
  await session.meetButton.click();
  const meet = await opened;
  expect(new URL(meet.url()).pathname).toMatch(/\/meet\/[a-z]{3}-[a-z]{4}-[a-z]{3}$/);
  await expect.poll(() => stack.emulators.twilio.messages().filter((message) => message.to === PHONE).length).toBe(1);
  await meet.close();
  await panel.page.close();
  await session.page.close();
});

test('a higher version on the update server is installed, the settings and the sign-in kept', async () => {
  await updates.release('1.0.1');
  // What Chrome does every few hours, now: ask the update server.
  const page = await browser.extensionPage('options.html');
  expect(await page.evaluate(() => chrome.runtime.requestUpdateCheck())).toEqual({ status: 'update_available', version: '1.0.1' });
  await expect.poll(self, { timeout: 60_000 }).toEqual({ installType: 'admin', version: '1.0.1' });
  expect(updates.requests).toContain('/extension/savvysolve-meet-1.0.1.crx');

  const panel = await SidePanel.open(browser);
  // Signed in again without a click (the sign-in is renewed silently after the update), same settings.
  await expect(panel.accountName).toHaveText(ADA.name);
  await panel.page.screenshot({ path: `${ARTIFACTS_DIR}/selfhost-updated-panel.png` });
  await expect(panel.card('Katherine Johnson')).toBeVisible();
});
