/// <reference types="chrome" />
import { mkdirSync } from 'node:fs';
import type { Page } from '@playwright/test';
import { OptionsPage } from './pages/options-page.ts';
import { SessionPage } from './pages/session-page.ts';
import { SidePanel } from './pages/side-panel.ts';
import { scanAccessibility } from './support/accessibility.ts';
import { ADA, settingsFor } from './support/e2e-stack.ts';
import { ARTIFACTS_DIR, nextTab } from './support/extension-browser.ts';
import { expect, test } from './support/fixtures.ts';

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

test.use({ suite: { name: 'accessibility' } });
test.describe.configure({ mode: 'serial' });

let panel: SidePanel;
let adaId: string;
const sessions: { grace?: string; alan?: string } = {};

test.beforeAll(async ({ stack, extension }) => {
  mkdirSync(SHOTS_DIR, { recursive: true });
  adaId = await stack.api.createSolver({ ...ADA, employment: 'employed', googleEmail: ADA.email });
  panel = await SidePanel.open(extension);
  await expect(panel.signInButton.or(panel.accountName)).toBeVisible();
  if (await panel.signInButton.isVisible()) await panel.signIn();
});

test.describe('accessibility (axe-core) of every screen in real Chromium', () => {
  test('side panel, signed in with no sessions', async () => {
    await expect(panel.page.getByText('No active sessions.')).toBeVisible();
    await expectAccessible(panel.page, 'the side panel with no sessions');
  });

  test('side panel, signed in with sessions, links and the call status line', async ({ stack, context }) => {
    sessions.grace = await stack.api.createSession({ solverId: adaId, customerName: 'Grace Hopper', customerPhone: '+14155550123' });
    sessions.alan = await stack.api.createSession({ solverId: adaId, customerName: 'Alan Turing', customerPhone: '+442071234567' });
    const grace = panel.card('Grace Hopper');
    await expect(grace).toBeVisible();
    await expect(panel.card('Alan Turing')).toBeVisible();

    const opened = nextTab(context);
    await grace.getByRole('button', { name: 'Start Google Meet for Grace Hopper' }).click();
    await (await opened).close();
    await panel.page.bringToFront();
    await expect(grace.getByTestId('session-call')).toHaveText(/^Waiting for the customer/, { timeout: 20_000 });
    // Each card's buttons say whose session they act on, their visible words unchanged.
    await expect(grace.getByRole('button', { name: 'Open Meet for Grace Hopper' })).toBeVisible();
    await expect(grace.getByRole('button', { name: 'Copy link for Grace Hopper' })).toBeVisible();
    await expect(grace.getByRole('button', { name: 'Resend SMS to Grace Hopper' })).toBeVisible();
    await expect(panel.card('Alan Turing').getByRole('button', { name: 'Start Google Meet for Alan Turing' })).toBeVisible();
    await expect(grace.locator('.session__phone [aria-hidden="true"]')).toHaveText('••• ••• 0123');

    await expectAccessible(panel.page, 'the side panel with sessions');
    await panel.page.screenshot({ path: `${SHOTS_DIR}/a11y-side-panel-sessions.png` });
  });

  test('the injected control: "Open Meet" with the call status, and "Start Google Meet"', async ({ stack, context }) => {
    const open = await SessionPage.open(context, stack.fixture.url, sessions.grace!);
    await expect(open.meetButton).toBeVisible({ timeout: 20_000 });
    await expect(open.page.getByTestId('savvysolve-meet-call-status')).toBeVisible({ timeout: 20_000 });
    await expect(open.meetButton).toHaveAttribute('data-state', 'open');
    await expectAccessible(open.page, 'the control reading "Open Meet" with the call status', HOST);
    await open.header.screenshot({ path: `${SHOTS_DIR}/a11y-control-open.png` });
    await open.page.close();

    const start = await SessionPage.open(context, stack.fixture.url, sessions.alan!);
    await expect(start.meetButton).toBeVisible({ timeout: 20_000 });
    await expect(start.meetButton).toHaveText('Start Google Meet');
    await expectAccessible(start.page, 'the control reading "Start Google Meet"', HOST);
    await start.header.screenshot({ path: `${SHOTS_DIR}/a11y-control-start.png` });
    await start.page.close();
  });

  test('the starting Meet tab, and the same tab with an error', async ({ extension }) => {
    const starting = await extension.extensionPage(`meet-start.html?session=${sessions.alan}`);
    await expect(starting.getByRole('heading', { name: 'Starting your Google Meet…' })).toBeVisible();
    await expectAccessible(starting, 'the starting Meet tab');
    await starting.screenshot({ path: `${SHOTS_DIR}/a11y-meet-start.png` });
    await starting.close();

    const error = encodeURIComponent('Google Calendar did not answer.');
    const failed = await extension.extensionPage(`meet-start.html?session=${sessions.alan}&error=${error}`);
    await expect(failed.getByRole('heading', { name: 'Google Meet could not be started' })).toBeVisible();
    await expectAccessible(failed, 'the starting Meet tab with an error');
    await failed.screenshot({ path: `${SHOTS_DIR}/a11y-meet-start-error.png` });
    await failed.close();
  });

  test('the options page, clean and with validation errors', async ({ extension }) => {
    const options = await OptionsPage.open(extension);
    await expect(options.page.getByTestId('status-ably')).toBeVisible();
    await expectAccessible(options.page, 'the options page');
    await options.page.screenshot({ path: `${SHOTS_DIR}/a11y-options.png`, fullPage: true });

    await options.field('Backend URL').fill('ftp://meet-api.example.com');
    await options.field('Session page URL patterns').fill('app.example.com');
    expect(await options.save()).toBe('Nothing was saved: fix the highlighted fields above.');
    await expect(options.page.locator('.field__problem').first()).toBeVisible();
    await expectAccessible(options.page, 'the options page with validation errors');
    await options.page.screenshot({ path: `${SHOTS_DIR}/a11y-options-errors.png`, fullPage: true });
    await options.page.close();
  });

  test('signed out: the side panel, and the control "Sign in to start a video call"', async ({ stack, context }) => {
    await panel.page.bringToFront();
    await panel.signOut();
    await expectAccessible(panel.page, 'the signed-out side panel');
    await panel.page.screenshot({ path: `${SHOTS_DIR}/a11y-side-panel-signed-out.png` });

    const page = await SessionPage.open(context, stack.fixture.url, sessions.alan!);
    await expect(page.signInControl).toBeVisible({ timeout: 20_000 });
    await expectAccessible(page.page, 'the control "Sign in to start a video call"', HOST);
    await page.header.screenshot({ path: `${SHOTS_DIR}/a11y-control-signed-out.png` });
    await page.page.close();
  });

  test('side panel, backend down', async ({ stack, extension }) => {
    const { backendUrl } = settingsFor(stack);
    // Nothing listens on port 9.
    await extension.evaluate((url) => chrome.storage.local.set({ backendUrl: url }), 'http://127.0.0.1:9');
    try {
      await panel.page.reload();
      await expect(panel.page.getByTestId('backend-down')).toBeVisible();
      await expectAccessible(panel.page, 'the side panel with the backend down');
      await panel.page.screenshot({ path: `${SHOTS_DIR}/a11y-side-panel-backend-down.png` });
    } finally {
      await extension.evaluate((url) => chrome.storage.local.set({ backendUrl: url }), backendUrl);
    }
  });
});
