/// <reference types="chrome" />
import { mkdirSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OptionsPage } from './pages/options-page.ts';
import { SessionPage } from './pages/session-page.ts';
import { SidePanel } from './pages/side-panel.ts';
import { scanAccessibility } from './support/accessibility.ts';
import { ADA, eventually, settingsFor, startE2EStack, type E2EStack } from './support/e2e-stack.ts';
import { ARTIFACTS_DIR, configureExtension, launchExtensionBrowser, nextTab, type ExtensionBrowser } from './support/extension-browser.ts';

/** Screenshots go with the other artifacts, or where E2E_SHOTS_DIR says (e.g. /tmp/shots). */
const SHOTS_DIR = process.env.E2E_SHOTS_DIR ?? ARTIFACTS_DIR;
const HOST = 'savvysolve-meet-button';

/**
 * axe-core finds nothing, of any impact, on the page (or, with `include`, in the injected control's shadow tree),
 * and leaves nothing to review by hand: "needs review" is where an `aria-label` on a plain `span` lands. A failure
 * prints every finding: rule, impact, help, and the elements.
 */
async function expectAccessible(page: Page, what: string, include?: string) {
  const scan = await scanAccessibility(page, include);
  expect(scan.report, `axe found violations on ${what}`).toBe('');
  expect(scan.needsReview, `axe left findings to review on ${what}`).toBe('');
  expect(scan.passedNodes, `axe checked nothing on ${what}`).toBeGreaterThan(0);
  if (include) expect(scan.passedInShadow, `axe did not look inside the shadow root on ${what}`).toBeGreaterThan(0);
}

describe('accessibility (axe-core) of every screen in real Chromium', () => {
  let stack: E2EStack;
  let browser: ExtensionBrowser;
  let panel: SidePanel;
  let adaId: string;
  const sessions: { grace?: string; alan?: string } = {};

  beforeAll(async () => {
    mkdirSync(SHOTS_DIR, { recursive: true });
    stack = await startE2EStack();
    adaId = await stack.api.createSolver({ ...ADA, employment: 'employed', googleEmail: ADA.email });
    browser = await launchExtensionBrowser();
    await configureExtension(browser, settingsFor(stack), 'http://127.0.0.1/*');
    panel = await SidePanel.open(browser);
    await panel.signInButton.or(panel.accountName).waitFor();
    if (await panel.signInButton.isVisible()) await panel.signIn();
  });

  afterAll(async () => {
    await browser?.close();
    await stack?.close();
  });

  it('side panel, signed in with no sessions', async () => {
    await panel.page.getByText('No active sessions.').waitFor();
    await expectAccessible(panel.page, 'the side panel with no sessions');
  });

  it('side panel, signed in with sessions, links and the call status line', async () => {
    sessions.grace = await stack.api.createSession({ solverId: adaId, customerName: 'Grace Hopper', customerPhone: '+14155550123' });
    sessions.alan = await stack.api.createSession({ solverId: adaId, customerName: 'Alan Turing', customerPhone: '+442071234567' });
    const grace = panel.card('Grace Hopper');
    await grace.waitFor({ timeout: 15_000 });
    await panel.card('Alan Turing').waitFor({ timeout: 15_000 });

    const opened = nextTab(browser.context);
    await grace.getByRole('button', { name: 'Start Google Meet for Grace Hopper' }).click();
    await (await opened).close();
    await panel.page.bringToFront();
    await eventually(
      async () =>
        (
          await grace
            .getByTestId('session-call')
            .textContent()
            .catch(() => '')
        )?.startsWith('Waiting for the customer'),
      'the call status line on the card',
      20_000,
    );
    // Each card's buttons say whose session they act on, their visible words unchanged.
    await grace.getByRole('button', { name: 'Open Meet for Grace Hopper' }).waitFor();
    await grace.getByRole('button', { name: 'Copy link for Grace Hopper' }).waitFor();
    await grace.getByRole('button', { name: 'Resend SMS to Grace Hopper' }).waitFor();
    await panel.card('Alan Turing').getByRole('button', { name: 'Start Google Meet for Alan Turing' }).waitFor();
    expect(await grace.locator('.session__phone [aria-hidden="true"]').textContent()).toBe('••• ••• 0123');

    await expectAccessible(panel.page, 'the side panel with sessions');
    await panel.page.screenshot({ path: `${SHOTS_DIR}/a11y-side-panel-sessions.png` });
  });

  it('the injected control: "Open Meet" with the call status, and "Start Google Meet"', async () => {
    const open = await SessionPage.open(browser.context, stack.fixture.url, sessions.grace!);
    await open.meetButton.waitFor({ state: 'visible', timeout: 20_000 });
    await open.page.getByTestId('savvysolve-meet-call-status').waitFor({ timeout: 20_000 });
    expect(await open.meetButton.getAttribute('data-state')).toBe('open');
    await expectAccessible(open.page, 'the control reading "Open Meet" with the call status', HOST);
    await open.header.screenshot({ path: `${SHOTS_DIR}/a11y-control-open.png` });
    await open.page.close();

    const start = await SessionPage.open(browser.context, stack.fixture.url, sessions.alan!);
    await start.meetButton.waitFor({ state: 'visible', timeout: 20_000 });
    expect(await start.buttonText()).toBe('Start Google Meet');
    await expectAccessible(start.page, 'the control reading "Start Google Meet"', HOST);
    await start.header.screenshot({ path: `${SHOTS_DIR}/a11y-control-start.png` });
    await start.page.close();
  });

  it('the starting Meet tab, and the same tab with an error', async () => {
    const starting = await browser.extensionPage(`meet-start.html?session=${sessions.alan}`);
    await starting.getByRole('heading', { name: 'Starting your Google Meet…' }).waitFor();
    await expectAccessible(starting, 'the starting Meet tab');
    await starting.screenshot({ path: `${SHOTS_DIR}/a11y-meet-start.png` });
    await starting.close();

    const error = encodeURIComponent('Google Calendar did not answer.');
    const failed = await browser.extensionPage(`meet-start.html?session=${sessions.alan}&error=${error}`);
    await failed.getByRole('heading', { name: 'Google Meet could not be started' }).waitFor();
    await expectAccessible(failed, 'the starting Meet tab with an error');
    await failed.screenshot({ path: `${SHOTS_DIR}/a11y-meet-start-error.png` });
    await failed.close();
  });

  it('the options page, clean and with validation errors', async () => {
    const options = await OptionsPage.open(browser);
    await options.page.getByTestId('status-ably').waitFor();
    await expectAccessible(options.page, 'the options page');
    await options.page.screenshot({ path: `${SHOTS_DIR}/a11y-options.png`, fullPage: true });

    await options.field('Backend URL').fill('ftp://meet-api.example.com');
    await options.field('Session page URL patterns').fill('app.example.com');
    expect(await options.save()).toBe('Nothing was saved: fix the highlighted fields above.');
    await options.page.locator('.field__problem').first().waitFor();
    await expectAccessible(options.page, 'the options page with validation errors');
    await options.page.screenshot({ path: `${SHOTS_DIR}/a11y-options-errors.png`, fullPage: true });
    await options.page.close();
  });

  it('signed out: the side panel, and the control "Sign in to start a video call"', async () => {
    await panel.page.bringToFront();
    await panel.signOut();
    await expectAccessible(panel.page, 'the signed-out side panel');
    await panel.page.screenshot({ path: `${SHOTS_DIR}/a11y-side-panel-signed-out.png` });

    const page = await SessionPage.open(browser.context, stack.fixture.url, sessions.alan!);
    await page.signInControl.waitFor({ state: 'visible', timeout: 20_000 });
    await expectAccessible(page.page, 'the control "Sign in to start a video call"', HOST);
    await page.header.screenshot({ path: `${SHOTS_DIR}/a11y-control-signed-out.png` });
    await page.page.close();
  });

  it('side panel, backend down', async () => {
    const { backendUrl } = settingsFor(stack);
    // Nothing listens on port 9.
    await browser.evaluate((url) => chrome.storage.local.set({ backendUrl: url }), 'http://127.0.0.1:9');
    try {
      await panel.page.reload();
      await panel.page.getByTestId('backend-down').waitFor();
      await expectAccessible(panel.page, 'the side panel with the backend down');
      await panel.page.screenshot({ path: `${SHOTS_DIR}/a11y-side-panel-backend-down.png` });
    } finally {
      await browser.evaluate((url) => chrome.storage.local.set({ backendUrl: url }), backendUrl);
    }
  });
});
