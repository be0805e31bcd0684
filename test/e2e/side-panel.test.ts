/// <reference types="chrome" />
import { mkdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SidePanel } from './pages/side-panel.ts';
import { ADA, eventually, requestCount, settingsFor, startE2EStack, type E2EStack } from './support/e2e-stack.ts';
import { ARTIFACTS_DIR, configureExtension, launchExtensionBrowser, nextTab, type ExtensionBrowser } from './support/extension-browser.ts';

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

describe('the side panel and toolbar in real Chromium', () => {
  let stack: E2EStack;
  let browser: ExtensionBrowser;
  let adaId: string;
  let panel: SidePanel;

  beforeAll(async () => {
    mkdirSync(SHOTS_DIR, { recursive: true });
    stack = await startE2EStack();
    adaId = await stack.api.createSolver({ ...ADA, employment: 'employed', googleEmail: ADA.email });
    await stack.api.createSession({ solverId: adaId, customerName: 'Grace Hopper', customerPhone: '+14155550123' });
    browser = await launchExtensionBrowser();
    await configureExtension(browser, settingsFor(stack), 'http://127.0.0.1/*');
  });

  afterAll(async () => {
    await browser?.close();
    await stack?.close();
  });

  it('opens from the toolbar button', async () => {
    expect(await browser.evaluate(() => chrome.sidePanel.getPanelBehavior(), undefined)).toEqual({ openPanelOnActionClick: true });
    const manifest = await browser.evaluate(() => chrome.runtime.getManifest(), undefined);
    expect(manifest.side_panel).toEqual({ default_path: 'sidepanel.html' });
  });

  it('lists the session, starts its Meet, and follows link and SMS state without a reload', async () => {
    panel = await SidePanel.open(browser);
    if (await panel.signInButton.isVisible()) await panel.signIn();
    await panel.accountName.waitFor();
    expect(await panel.accountName.textContent()).toBe(ADA.name);
    expect(await panel.page.getByTestId('live-mode').getAttribute('data-mode')).toBe('polling');

    const grace = panel.card('Grace Hopper');
    await grace.waitFor();
    expect(await grace.textContent()).toContain('••• ••• 0123');
    expect(await grace.textContent()).not.toContain('4155550123');
    expect(await grace.getByTestId('session-link').textContent()).toContain('No link yet');

    // A session assigned while the panel is open appears by itself (polling: the backend has no Ably here).
    await stack.api.createSession({ solverId: adaId, customerName: 'Alan Turing', customerPhone: '+442071234567' });
    await panel.card('Alan Turing').waitFor({ timeout: 15_000 });

    const opened = nextTab(browser.context);
    await grace.getByRole('button', { name: 'Start Google Meet' }).click();
    const meetTab = await opened;
    expect(meetTab.url()).toMatch(new RegExp(`^${stack.emulators.google.meetBaseUrl}/[a-z]{3}-[a-z]{4}-[a-z]{3}$`));
    await meetTab.close();

    const room = meetTab.url().replace(/^https?:\/\//, '');
    await eventually(async () => (await grace.getByTestId('session-link').textContent())?.includes(room), 'the link on the card');
    expect(await grace.getByTestId('session-source').textContent()).toBe('Made with Google Calendar');
    // Twilio (emulated) reports `sent` then `delivered` through the signed status callback; the panel follows (on the
    // call line, which tells the SMS state while the customer is awaited).
    await eventually(
      async () => (await grace.getByTestId('session-call').textContent())?.startsWith('Waiting for the customer · SMS delivered'),
      'SMS delivered on the card',
      20_000,
    );

    // The toolbar badge counts sessions with a live Meet link.
    await eventually(async () => (await browser.evaluate(() => chrome.action.getBadgeText({}), undefined)) === '1', 'badge 1');
    expect(await browser.evaluate(() => chrome.action.getTitle({}), undefined)).toBe('SavvySolve Meet — 1 live Meet call');

    await panel.page.screenshot({ path: `${ARTIFACTS_DIR}/side-panel.png` });

    // Open and Copy act on that same link.
    const reopened = nextTab(browser.context);
    await grace.getByRole('button', { name: 'Open Meet for Grace Hopper' }).click();
    expect((await reopened).url()).toBe(meetTab.url());
    await (await reopened).close();
    await panel.page.bringToFront();
    await grace.getByRole('button', { name: 'Copy link' }).click();
    await grace.getByRole('button', { name: 'Copied' }).waitFor();
    // Read the clipboard back from a web page that may (the browser's clipboard is shared).
    await browser.context.grantPermissions(['clipboard-read'], { origin: stack.fixture.url });
    const reader = await browser.context.newPage();
    await reader.goto(`${stack.fixture.url}/`);
    expect(await reader.evaluate(() => navigator.clipboard.readText())).toBe(meetTab.url());
    await reader.close();
  });

  it('asks before texting the customer a second time within a minute', async () => {
    await panel.page.bringToFront();
    const grace = panel.card('Grace Hopper');
    const texts = () => stack.emulators.twilio.messages().filter((message) => message.to === '+14155550123').length;
    const before = texts();
    await grace.getByRole('button', { name: 'Resend SMS' }).click();
    await eventually(() => texts() === before + 1, 'the resent SMS');
    await grace.getByRole('button', { name: 'Resend SMS' }).waitFor();

    await grace.getByRole('button', { name: 'Resend SMS' }).click();
    const confirm = grace.getByTestId('session-resend-confirm');
    await confirm.waitFor();
    expect(await confirm.getByRole('status').textContent()).toMatch(/^Texted \d+ s ago — send again\?$/);
    expect(await grace.getByRole('button', { name: 'Resend SMS' }).count()).toBe(0);
    await grace.screenshot({ path: `${SHOTS_DIR}/side-panel-resend-confirm.png` });
    await confirm.getByRole('button', { name: 'Cancel' }).click();
    await confirm.waitFor({ state: 'detached' });
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(texts()).toBe(before + 1);

    await grace.getByRole('button', { name: 'Resend SMS' }).click();
    await confirm.getByRole('button', { name: 'Send again' }).click();
    await eventually(() => texts() === before + 2, 'the SMS sent again after the confirmation');
  });

  it('costs one list request and one badge update per click on Start Google Meet', async () => {
    panel ??= await SidePanel.open(browser);
    await panel.page.bringToFront();
    if (await panel.signInButton.isVisible()) await panel.signIn();
    await panel.accountName.waitFor();
    await stack.api.createSession({ solverId: adaId, customerName: 'Katherine Johnson', customerPhone: '+14155550142' });
    const katherine = panel.card('Katherine Johnson');
    await katherine.waitFor({ timeout: 15_000 });
    // Only the click may ask for the list: polling off, the background's minute refresh paused.
    await browser.evaluate(() => chrome.storage.local.set({ sessionsPollIntervalMs: 0 }), undefined);
    await browser.evaluate((name) => chrome.alarms.clear(name), REFRESH_ALARM);
    try {
      // A poll already under way lands first.
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      const badgeUpdates = await countBadgeUpdates(browser);
      const listsBefore = requestCount(stack.logs, '/api/sessions');

      const opened = nextTab(browser.context);
      await katherine.getByRole('button', { name: 'Start Google Meet' }).click();
      const meetTab = await opened;
      const room = meetTab.url().replace(/^https?:\/\//, '');
      await eventually(async () => (await katherine.getByTestId('session-link').textContent())?.includes(room), 'the link on the card');
      // Anything the click still sets off has happened by now.
      await new Promise((resolve) => setTimeout(resolve, 2_000));
      const lists = requestCount(stack.logs, '/api/sessions') - listsBefore;
      const badges = await badgeUpdates();
      console.log(`[side-panel] one click on Start Google Meet: ${lists} GET /api/sessions, ${badges} badge updates`);
      expect(lists).toBe(1);
      expect(badges).toBe(1);
      await meetTab.close();
    } finally {
      await browser.evaluate(() => chrome.storage.local.remove('sessionsPollIntervalMs'), undefined);
      await browser.evaluate((name) => chrome.alarms.create(name, { periodInMinutes: 1 }), REFRESH_ALARM);
    }
  });

  it('names where each link came from in a solver’s words', async () => {
    // meet.google.com is not reachable here: answer it locally so the fallback tab has a page.
    await browser.context.route('https://meet.google.com/**', (route) =>
      route.fulfill({ contentType: 'text/html', body: '<title>Google Meet (stand-in)</title><h1>New meeting</h1>' }),
    );
    try {
      await panel.page.bringToFront();
      const alan = panel.card('Alan Turing');
      stack.emulators.google.faults.set('events.insert', { status: 503, times: 10 });
      const opened = nextTab(browser.context);
      await alan.getByRole('button', { name: 'Start Google Meet' }).click();
      const fallbackTab = await opened;
      stack.emulators.clearFaults();
      await panel.page.bringToFront();
      await eventually(
        async () => (await alan.getByTestId('session-source').textContent()) === 'Opened by hand — not sent to the customer',
        'the fallback chip',
      );
      await panel.page.screenshot({ path: `${SHOTS_DIR}/side-panel-origin-chips-fallback.png` });

      // The solver's room is handed to the backend: the chip says whose room it is.
      await fallbackTab.goto('https://meet.google.com/abc-defg-hij');
      await panel.page.bringToFront();
      await eventually(async () => (await alan.getByTestId('session-source').textContent()) === 'Room you opened', 'the captured chip');
      expect(await panel.card('Grace Hopper').getByTestId('session-source').textContent()).toBe('Made with Google Calendar');
      // The whole link is shown, not cut short.
      expect(await alan.getByTestId('session-link').locator('.session__link').textContent()).toBe('meet.google.com/abc-defg-hij');
      await panel.page.screenshot({ path: `${SHOTS_DIR}/side-panel-origin-chips.png` });
      await fallbackTab.close();
    } finally {
      await browser.context.unroute('https://meet.google.com/**');
    }
  });

  it('shows an unreachable backend alone, with a retry, not beside the sign-in', async () => {
    await panel.page.bringToFront();
    await panel.signOut();
    const { backendUrl } = settingsFor(stack);
    // Nothing listens on port 9.
    await browser.evaluate((url) => chrome.storage.local.set({ backendUrl: url }), 'http://127.0.0.1:9');
    try {
      await panel.page.reload();
      const down = panel.page.getByTestId('backend-down');
      await down.waitFor();
      expect(await down.getByRole('heading').textContent()).toBe('No connection to SavvySolve Meet');
      expect(await down.getByRole('alert').textContent()).toBe(
        'Can’t reach the SavvySolve Meet backend at http://127.0.0.1:9. Check the address in Settings, or ask your admin whether it is running.',
      );
      expect(await panel.signInButton.count()).toBe(0);
      await panel.page.screenshot({ path: `${SHOTS_DIR}/side-panel-backend-down.png` });
    } finally {
      await browser.evaluate((url) => chrome.storage.local.set({ backendUrl: url }), backendUrl);
    }
    await panel.page.getByRole('button', { name: 'Try again' }).click();
    await panel.signInButton.waitFor();
    expect(await panel.page.getByTestId('backend-down').count()).toBe(0);
  });
});
