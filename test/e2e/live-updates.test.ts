/// <reference types="chrome" />
import { mkdirSync } from 'node:fs';
import type { Locator } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { solverChannel } from '../../shared/index.ts';
import { OptionsPage } from './pages/options-page.ts';
import { SidePanel } from './pages/side-panel.ts';
import { ADA, eventually, settingsFor, startE2EStack, type E2EStack } from './support/e2e-stack.ts';
import { ARTIFACTS_DIR, configureExtension, launchExtensionBrowser, nextTab, type ExtensionBrowser } from './support/extension-browser.ts';

/** Screenshots go with the other artifacts, or where E2E_SHOTS_DIR says (e.g. /tmp/shots). */
const SHOTS_DIR = process.env.E2E_SHOTS_DIR ?? ARTIFACTS_DIR;
const GRACE_PHONE = '+14155550123';
/** Hostnames of Ably's own service: with ABLY_REALTIME_URL set, the extension must never try them. */
const ABLY_HOSTS = /ably\.(net|io|com)|ably-realtime\.com/;

/** Text of a locator, or '' while it is not there. */
const textOf = async (locator: Locator) => (await locator.textContent({ timeout: 1_000 }).catch(() => null)) ?? '';

async function waitForText(locator: Locator, expected: string | RegExp, what: string, timeoutMs = 15_000): Promise<string> {
  let shown = '';
  try {
    return await eventually(
      async () => {
        shown = await textOf(locator);
        return (typeof expected === 'string' ? shown === expected : expected.test(shown)) && shown;
      },
      what,
      timeoutMs,
    );
  } catch (error) {
    throw new Error(`${(error as Error).message} (it reads "${shown}")`);
  }
}

/**
 * Counts the panel's `sessions.list` requests to the background from now on (the background also refreshes the
 * toolbar badge every minute, so the backend's log cannot tell the panel's polling apart).
 */
async function countListRequests(panel: SidePanel): Promise<() => Promise<number>> {
  await panel.page.evaluate(() => {
    const counted = window as unknown as { sessionsListCalls?: number };
    if (counted.sessionsListCalls !== undefined) return;
    counted.sessionsListCalls = 0;
    const send = chrome.runtime.sendMessage.bind(chrome.runtime) as (...args: unknown[]) => unknown;
    chrome.runtime.sendMessage = ((...args: unknown[]) => {
      if ((args[0] as { type?: string } | undefined)?.type === 'sessions.list') counted.sessionsListCalls! += 1;
      return send(...args);
    }) as typeof chrome.runtime.sendMessage;
  });
  return () => panel.page.evaluate(() => (window as unknown as { sessionsListCalls: number }).sessionsListCalls);
}

async function signedInPanel(browser: ExtensionBrowser): Promise<SidePanel> {
  const panel = await SidePanel.open(browser);
  if (await panel.signInButton.isVisible()) await panel.signIn();
  await panel.accountName.waitFor();
  return panel;
}

describe('live updates through the Ably emulator (ably-js in real Chromium)', () => {
  let stack: E2EStack;
  let browser: ExtensionBrowser;
  let panel: SidePanel;
  let adaId: string;
  const requestedUrls: string[] = [];

  beforeAll(async () => {
    mkdirSync(SHOTS_DIR, { recursive: true });
    stack = await startE2EStack({ ably: true, statusCallbacks: 'manual' });
    adaId = await stack.api.createSolver({ ...ADA, employment: 'employed', googleEmail: ADA.email });
    await stack.api.createSession({ solverId: adaId, customerName: 'Grace Hopper', customerPhone: GRACE_PHONE });
    browser = await launchExtensionBrowser();
    browser.context.on('request', (request) => void requestedUrls.push(request.url()));
    browser.context.on('page', (page) => page.on('websocket', (socket) => void requestedUrls.push(socket.url())));
    await configureExtension(browser, settingsFor(stack), 'http://127.0.0.1/*');
    // No polling at all: whatever the panel learns after this, it learns from Ably.
    await browser.evaluate(() => chrome.storage.local.set({ sessionsPollIntervalMs: 0 }), undefined);
    panel = await signedInPanel(browser);
  });

  afterAll(async () => {
    await browser?.close();
    await stack?.close();
  });

  const liveLine = () => panel.page.getByTestId('live-mode');

  it('says "Live updates: on" in the side panel and on the options page, connected only to the configured endpoint', async () => {
    await waitForText(liveLine(), 'Live updates: on', 'the panel to go live');
    expect(await liveLine().getAttribute('data-mode')).toBe('live');
    await panel.card('Grace Hopper').waitFor();
    await panel.page.screenshot({ path: `${SHOTS_DIR}/live-updates-panel-on.png` });

    // The panel's client: a token minted by the backend for Ada's channel, exchanged at the emulator; attached there.
    const channel = solverChannel(adaId);
    const connection = stack.emulators.ably.realtime.connections().find((entry) => entry.clientId === channel);
    expect(connection).toMatchObject({ auth: 'token', format: 'json', heartbeats: true });
    expect(stack.emulators.ably.realtime.attachments(channel)).toContainEqual(expect.objectContaining({ outcome: 'attached' }));
    expect(stack.emulators.ably.requests('requestToken').length).toBeGreaterThanOrEqual(1);

    const options = await OptionsPage.open(browser);
    const status = options.page.getByTestId('status-live-updates');
    await waitForText(status, 'Live updates: on', 'the options page to say live updates are on');
    expect(await options.page.getByTestId('status-ably').textContent()).toBe('Ably (live updates): configured');
    await options.page.screenshot({ path: `${SHOTS_DIR}/live-updates-options-on.png`, fullPage: true });
    await options.page.close();

    const ablyUrls = [...new Set(requestedUrls.filter((url) => /\/keys\/|^wss?:/.test(url)))];
    expect(ablyUrls.length).toBeGreaterThan(0);
    expect(
      ablyUrls.every((url) => url.startsWith(stack.emulators.ably.url) || url.startsWith(`${stack.emulators.ably.realtimeUrl}/`)),
    ).toBe(true);
    expect(requestedUrls.filter((url) => ABLY_HOSTS.test(new URL(url).hostname))).toEqual([]);
  });

  it('shows "SMS delivered" within 1 s of the Twilio status callback, with polling off', async () => {
    await panel.page.bringToFront();
    const grace = panel.card('Grace Hopper');
    const callLine = grace.getByTestId('session-call');
    const opened = nextTab(browser.context);
    await grace.getByRole('button', { name: 'Start Google Meet' }).click();
    await (await opened).close();
    await panel.page.bringToFront();

    const sms = await eventually(() => stack.emulators.twilio.messages().find((message) => message.to === GRACE_PHONE), 'the SMS');
    await waitForText(callLine, /SMS sending$/, 'the SMS to be accepted');

    // Polling is really off: once the call's own updates (room access, SMS) have been pushed, the panel does not
    // ask for the list for 6 s (polling would every 5 s); any request must follow a message Ably delivered.
    const pushed = () => stack.emulators.ably.messages(solverChannel(adaId));
    await eventually(() => Date.now() - (pushed().at(-1)?.receivedAt ?? 0) > 2_000, 'the updates to settle');
    const listRequests = await countListRequests(panel);
    const [quietBefore, pushedBefore] = [await listRequests(), pushed().length];
    await new Promise((resolve) => setTimeout(resolve, 6_000));
    const [quietRequests, quietPushes] = [(await listRequests()) - quietBefore, pushed().length - pushedBefore];
    console.log(`[live-updates] 6 s with polling off: ${quietRequests} list requests, ${quietPushes} Ably messages`);
    expect(quietRequests).toBeLessThanOrEqual(quietPushes);

    // `sent` first: only Ably can tell the panel (no polling, no change made from this browser).
    await stack.emulators.twilio.sendStatusCallback(sms.sid, 'sent');
    await waitForText(callLine, /SMS sent just now$/, '"SMS sent" pushed by Ably', 5_000);

    const delivered = callLine.filter({ hasText: 'SMS delivered' });
    const startedAt = Date.now();
    // The requirement: within 1 s of the callback.
    const shown = delivered.waitFor({ state: 'visible', timeout: 1_000 });
    const callback = await stack.emulators.twilio.sendStatusCallback(sms.sid, 'delivered');
    await shown;
    const elapsedMs = Date.now() - startedAt;
    console.log(`[live-updates] Twilio "delivered" callback → "SMS delivered" in the side panel: ${elapsedMs} ms`);
    expect(callback.responseStatus).toBe(204);
    expect(await callLine.textContent()).toBe('Waiting for the customer · SMS delivered just now');
    expect(await liveLine().getAttribute('data-mode')).toBe('live');
    // The refetch Ably's message caused (which also shows the count above was counting).
    expect(await listRequests()).toBeGreaterThan(quietBefore);
    await panel.page.screenshot({ path: `${SHOTS_DIR}/live-updates-panel-delivered.png` });
  });

  it('says "off" and why when the connection is lost, keeps the list by polling, and comes back on', async () => {
    const ably = stack.emulators.ably.realtime;
    const options = await OptionsPage.open(browser);
    const status = options.page.getByTestId('status-live-updates');
    await waitForText(status, 'Live updates: on', 'the options page to be live');

    ably.refuse();
    expect(ably.drop()).toBeGreaterThanOrEqual(2);
    const off = /^Live updates: off — connecting failed: .+/;
    await panel.page.bringToFront();
    const panelText = await waitForText(liveLine(), off, 'the panel to say live updates are off');
    expect(await liveLine().getAttribute('data-mode')).toBe('polling');
    await panel.page.screenshot({ path: `${SHOTS_DIR}/live-updates-panel-off.png` });
    await options.page.bringToFront();
    const optionsText = await waitForText(status, off, 'the options page to say live updates are off');
    await options.page.screenshot({ path: `${SHOTS_DIR}/live-updates-options-off.png`, fullPage: true });
    console.log(`[live-updates] off: panel "${panelText}", options "${optionsText}"`);

    // Polling (back on, every second here) keeps the list current meanwhile: a new session appears without Ably.
    await browser.evaluate(() => chrome.storage.local.set({ sessionsPollIntervalMs: 1_000 }), undefined);
    await stack.api.createSession({ solverId: adaId, customerName: 'Alan Turing', customerPhone: '+14155550199' });
    await panel.card('Alan Turing').waitFor({ timeout: 10_000 });
    expect(await liveLine().getAttribute('data-mode')).toBe('polling');

    // Ably's client retries by itself (disconnectedRetryTimeout, 15 s by default) and is back on once accepted.
    ably.accept();
    await panel.page.bringToFront();
    await waitForText(liveLine(), 'Live updates: on', 'the panel to be live again', 40_000);
    await waitForText(status, 'Live updates: on', 'the options page to be live again', 40_000);
    expect(ably.refusedCount()).toBeGreaterThanOrEqual(1);
    await options.page.close();
  });
});

describe('live updates with no Ably on the backend', () => {
  let stack: E2EStack;
  let browser: ExtensionBrowser;

  beforeAll(async () => {
    stack = await startE2EStack();
    const adaId = await stack.api.createSolver({ ...ADA, employment: 'employed', googleEmail: ADA.email });
    await stack.api.createSession({ solverId: adaId, customerName: 'Grace Hopper', customerPhone: GRACE_PHONE });
    browser = await launchExtensionBrowser();
    await configureExtension(browser, settingsFor(stack), 'http://127.0.0.1/*');
  });

  afterAll(async () => {
    await browser?.close();
    await stack?.close();
  });

  it('says "Live updates: off — Ably is not configured on the backend" in the side panel and on the options page', async () => {
    const panel = await signedInPanel(browser);
    const notConfigured = 'Live updates: off — Ably is not configured on the backend';
    await waitForText(panel.page.getByTestId('live-mode'), notConfigured, 'the panel to say why live updates are off');
    await panel.card('Grace Hopper').waitFor();
    await panel.page.screenshot({ path: `${SHOTS_DIR}/live-updates-panel-not-configured.png` });

    const options = await OptionsPage.open(browser);
    await waitForText(options.page.getByTestId('status-live-updates'), notConfigured, 'the options page to say why');
    await options.page.screenshot({ path: `${SHOTS_DIR}/live-updates-options-not-configured.png`, fullPage: true });
  });
});
