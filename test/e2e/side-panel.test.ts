/// <reference types="chrome" />
import { mkdirSync } from 'node:fs';
import { SidePanel } from './pages/side-panel.ts';
import { ADA, requestCount, settingsFor } from './support/e2e-stack.ts';
import { ARTIFACTS_DIR, nextTab, type ExtensionBrowser } from './support/extension-browser.ts';
import { expect, test } from './support/fixtures.ts';

/** Screenshots go with the other artifacts, or where E2E_SHOTS_DIR says (e.g. /tmp/shots). */
const SHOTS_DIR = process.env.E2E_SHOTS_DIR ?? ARTIFACTS_DIR;
/** The background's once-a-minute badge refresh (`extension/entrypoints/background/index.ts`). */
const REFRESH_ALARM = 'savvysolve.refresh';

/** Counts the toolbar badge's updates from now on (`chrome.action.setBadgeText` in the service worker). */
async function countBadgeUpdates(browser: ExtensionBrowser): Promise<() => Promise<number | undefined>> {
  await browser.evaluate(() => {
    const counted = globalThis as unknown as { badgeUpdates?: number };
    if (counted.badgeUpdates === undefined) {
      const setBadgeText = chrome.action.setBadgeText.bind(chrome.action) as (...args: unknown[]) => unknown;
      chrome.action.setBadgeText = ((...args: unknown[]) => {
        counted.badgeUpdates! += 1;
        return setBadgeText(...args);
      }) as typeof chrome.action.setBadgeText;
    }
    counted.badgeUpdates = 0;
  }, undefined);
  // `undefined` if the service worker was restarted meanwhile (the count went with it).
  return () => browser.evaluate(() => (globalThis as unknown as { badgeUpdates?: number }).badgeUpdates, undefined);
}

test.use({ suite: { name: 'side-panel' } });
test.describe.configure({ mode: 'serial' });

let adaId: string;
let panel: SidePanel;

test.beforeAll(async ({ stack }) => {
  mkdirSync(SHOTS_DIR, { recursive: true });
  adaId = await stack.api.createSolver({ ...ADA, employment: 'employed', googleEmail: ADA.email });
  await stack.api.createSession({ solverId: adaId, customerName: 'Grace Hopper', customerPhone: '+14155550123' });
});

test.describe('the side panel and toolbar in real Chromium', () => {
  test('opens from the toolbar button', async ({ extension }) => {
    expect(await extension.evaluate(() => chrome.sidePanel.getPanelBehavior(), undefined)).toEqual({ openPanelOnActionClick: true });
    const manifest = await extension.evaluate(() => chrome.runtime.getManifest(), undefined);
    expect(manifest.side_panel).toEqual({ default_path: 'sidepanel.html' });
  });

  test('lists the session, starts its Meet, and follows link and SMS state without a reload', async ({ stack, extension, context }) => {
    panel = await SidePanel.open(extension);
    await expect(panel.signInButton.or(panel.accountName)).toBeVisible();
    if (await panel.signInButton.isVisible()) await panel.signIn();
    await expect(panel.accountName).toHaveText(ADA.name);
    await expect(panel.page.getByTestId('live-mode')).toHaveAttribute('data-mode', 'polling');

    const grace = panel.card('Grace Hopper');
    await expect(grace).toContainText('••• ••• 0123');
    await expect(grace).not.toContainText('4155550123');
    await expect(grace.getByTestId('session-link')).toContainText('No link yet');

    // A session assigned while the panel is open appears by itself (polling: the backend has no Ably here).
    await stack.api.createSession({ solverId: adaId, customerName: 'Alan Turing', customerPhone: '+442071234567' });
    await expect(panel.card('Alan Turing')).toBeVisible();

    const opened = nextTab(context);
    await grace.getByRole('button', { name: 'Start Google Meet' }).click();
    const meetTab = await opened;
    expect(meetTab.url()).toMatch(new RegExp(`^${stack.emulators.google.meetBaseUrl}/[a-z]{3}-[a-z]{4}-[a-z]{3}$`));
    await meetTab.close();

    const room = meetTab.url().replace(/^https?:\/\//, '');
    await expect(grace.getByTestId('session-link')).toContainText(room);
    await expect(grace.getByTestId('session-source')).toHaveText('Made with Google Calendar');
    // Twilio (emulated) reports `sent` then `delivered` through the signed status callback; the panel follows (on the
    // call line, which tells the SMS state while the customer is awaited).
    await expect(grace.getByTestId('session-call')).toHaveText(/^Waiting for the customer · SMS delivered/, { timeout: 20_000 });

    // The toolbar badge counts sessions with a live Meet link.
    await expect.poll(() => extension.evaluate(() => chrome.action.getBadgeText({}), undefined)).toBe('1');
    expect(await extension.evaluate(() => chrome.action.getTitle({}), undefined)).toBe('SavvySolve Meet — 1 live Meet call');

    await panel.page.screenshot({ path: `${ARTIFACTS_DIR}/side-panel.png` });

    // Open and Copy act on that same link.
    const reopened = nextTab(context);
    await grace.getByRole('button', { name: 'Open Meet for Grace Hopper' }).click();
    expect((await reopened).url()).toBe(meetTab.url());
    await (await reopened).close();
    await panel.page.bringToFront();
    await grace.getByRole('button', { name: 'Copy link' }).click();
    await expect(grace.getByRole('button', { name: 'Copied' })).toBeVisible();
    // Read the clipboard back from a web page that may (the browser's clipboard is shared).
    await context.grantPermissions(['clipboard-read'], { origin: stack.fixture.url });
    const reader = await context.newPage();
    await reader.goto(`${stack.fixture.url}/`);
    expect(await reader.evaluate(() => navigator.clipboard.readText())).toBe(meetTab.url());
    await reader.close();
  });

  test('asks before texting the customer a second time within a minute', async ({ stack }) => {
    await panel.page.bringToFront();
    const grace = panel.card('Grace Hopper');
    const texts = () => stack.emulators.twilio.messages().filter((message) => message.to === '+14155550123').length;
    const resends = () =>
      stack.logs.filter((line) => line.includes('"message":"request"') && /"path":"\/api\/meet\/links\/[^"]+\/resend"/.test(line)).length;
    const before = texts();
    const resendsBefore = resends();
    await grace.getByRole('button', { name: 'Resend SMS' }).click();
    await expect.poll(texts).toBe(before + 1);
    await expect(grace.getByRole('button', { name: 'Resend SMS' })).toBeVisible();

    await grace.getByRole('button', { name: 'Resend SMS' }).click();
    const confirm = grace.getByTestId('session-resend-confirm');
    await expect(confirm.getByRole('status')).toHaveText(/^Texted \d+ s ago — send again\?$/);
    await expect(grace.getByRole('button', { name: 'Resend SMS' })).toHaveCount(0);
    await grace.screenshot({ path: `${SHOTS_DIR}/side-panel-resend-confirm.png` });
    await confirm.getByRole('button', { name: 'Cancel' }).click();
    await expect(confirm).toHaveCount(0);

    // "Send again" after the Cancel: its SMS arriving means its request reached the backend, and a request the Cancel
    // had set off would have reached it before — so by then exactly two resends were asked for, and two texts went.
    await grace.getByRole('button', { name: 'Resend SMS' }).click();
    await confirm.getByRole('button', { name: 'Send again' }).click();
    await expect.poll(texts).toBeGreaterThanOrEqual(before + 2);
    await expect.poll(resends).toBeGreaterThanOrEqual(resendsBefore + 2);
    expect(resends() - resendsBefore).toBe(2);
    expect(texts()).toBe(before + 2);
  });

  test('costs one list request and one badge update per click on Start Google Meet', async ({ stack, extension, context }) => {
    await stack.api.createSession({ solverId: adaId, customerName: 'Katherine Johnson', customerPhone: '+14155550142' });
    // Only the click may ask for the list: polling off, the background's minute refresh paused.
    await extension.evaluate(() => chrome.storage.local.set({ sessionsPollIntervalMs: 0 }), undefined);
    await extension.evaluate((name) => chrome.alarms.clear(name), REFRESH_ALARM);
    try {
      // A reloaded panel asks for the list once; its card on screen means that ask (and any before it: the background
      // runs list requests one after another) has been answered. Nothing is under way from here on.
      await panel.page.bringToFront();
      await panel.page.reload();
      const katherine = panel.card('Katherine Johnson');
      await expect(katherine).toBeVisible();
      const badgeUpdates = await countBadgeUpdates(extension);
      const listsBefore = requestCount(stack.logs, '/api/sessions');

      const opened = nextTab(context);
      await katherine.getByRole('button', { name: 'Start Google Meet' }).click();
      const meetTab = await opened;
      const room = meetTab.url().replace(/^https?:\/\//, '');
      await expect(katherine.getByTestId('session-link')).toContainText(room);
      // Then one more list, asked for here: the background starts it after every ask made before it (the click's
      // and anything the click set off), so once its badge update is counted, those have all been counted too.
      await panel.page.evaluate(() =>
        chrome.runtime.sendMessage({ kind: 'savvysolve.request', type: 'sessions.list', payload: undefined }),
      );
      await expect.poll(badgeUpdates).toBeGreaterThanOrEqual(2);
      const lists = requestCount(stack.logs, '/api/sessions') - listsBefore - 1;
      const badges = (await badgeUpdates())! - 1;
      console.log(`[side-panel] one click on Start Google Meet: ${lists} GET /api/sessions, ${badges} badge updates`);
      expect(lists).toBe(1);
      expect(badges).toBe(1);
      await meetTab.close();
    } finally {
      await extension.evaluate(() => chrome.storage.local.remove('sessionsPollIntervalMs'), undefined);
      await extension.evaluate((name) => chrome.alarms.create(name, { periodInMinutes: 1 }), REFRESH_ALARM);
    }
  });

  test('names where each link came from in a solver’s words', async ({ stack, context }) => {
    // meet.google.com is not reachable here: answer it locally so the fallback tab has a page.
    await context.route('https://meet.google.com/**', (route) =>
      route.fulfill({ contentType: 'text/html', body: '<title>Google Meet (stand-in)</title><h1>New meeting</h1>' }),
    );
    try {
      await panel.page.bringToFront();
      const alan = panel.card('Alan Turing');
      stack.emulators.google.faults.set('events.insert', { status: 503, times: 10 });
      const opened = nextTab(context);
      await alan.getByRole('button', { name: 'Start Google Meet' }).click();
      const fallbackTab = await opened;
      stack.emulators.clearFaults();
      await panel.page.bringToFront();
      await expect(alan.getByTestId('session-source')).toHaveText('Opened by hand — not sent to the customer');
      await panel.page.screenshot({ path: `${SHOTS_DIR}/side-panel-origin-chips-fallback.png` });

      // The solver's room is handed to the backend: the chip says whose room it is.
      await fallbackTab.goto('https://meet.google.com/abc-defg-hij');
      await panel.page.bringToFront();
      await expect(alan.getByTestId('session-source')).toHaveText('Room you opened');
      await expect(panel.card('Grace Hopper').getByTestId('session-source')).toHaveText('Made with Google Calendar');
      // The whole link is shown, not cut short.
      await expect(alan.getByTestId('session-link').locator('.session__link')).toHaveText('meet.google.com/abc-defg-hij');
      await panel.page.screenshot({ path: `${SHOTS_DIR}/side-panel-origin-chips.png` });
      await fallbackTab.close();
    } finally {
      await context.unroute('https://meet.google.com/**');
    }
  });

  test('shows an unreachable backend alone, with a retry, not beside the sign-in', async ({ stack, extension }) => {
    await panel.page.bringToFront();
    await panel.signOut();
    const { backendUrl } = settingsFor(stack);
    // Nothing listens on port 9.
    await extension.evaluate((url) => chrome.storage.local.set({ backendUrl: url }), 'http://127.0.0.1:9');
    try {
      await panel.page.reload();
      const down = panel.page.getByTestId('backend-down');
      await expect(down.getByRole('heading')).toHaveText('No connection to SavvySolve Meet');
      await expect(down.getByRole('alert')).toHaveText(
        'Can’t reach the SavvySolve Meet backend at http://127.0.0.1:9. Check the address in Settings, or ask your admin whether it is running.',
      );
      await expect(panel.signInButton).toHaveCount(0);
      await panel.page.screenshot({ path: `${SHOTS_DIR}/side-panel-backend-down.png` });
    } finally {
      await extension.evaluate((url) => chrome.storage.local.set({ backendUrl: url }), backendUrl);
    }
    await panel.page.getByRole('button', { name: 'Try again' }).click();
    await expect(panel.signInButton).toBeVisible();
    await expect(panel.page.getByTestId('backend-down')).toHaveCount(0);
  });
});
