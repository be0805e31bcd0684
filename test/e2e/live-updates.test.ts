/// <reference types="chrome" />
import { mkdirSync } from 'node:fs';
import { solverChannel } from '../../shared/index.ts';
import { OptionsPage } from './pages/options-page.ts';
import { SidePanel } from './pages/side-panel.ts';
import { ADA } from './support/e2e-stack.ts';
import { ARTIFACTS_DIR, nextTab, type ExtensionBrowser } from './support/extension-browser.ts';
import { expect, test } from './support/fixtures.ts';

/** Screenshots go with the other artifacts, or where E2E_SHOTS_DIR says (e.g. /tmp/shots). */
const SHOTS_DIR = process.env.E2E_SHOTS_DIR ?? ARTIFACTS_DIR;
const GRACE_PHONE = '+14155550123';
/** Hostnames of Ably's own service: with ABLY_REALTIME_URL set, the extension must never try them. */
const ABLY_HOSTS = /ably\.(net|io|com)|ably-realtime\.com/;
/** The panel's polling period when it is on (`POLL_INTERVAL_MS`, `extension/features/session-list/poll-interval.ts`). */
const POLL_PERIOD_MS = 5_000;

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

/** The side panel, signed in; its page runs on Playwright's clock (real time until a test moves it on). */
async function signedInPanel(browser: ExtensionBrowser): Promise<SidePanel> {
  const page = await browser.context.newPage();
  await page.setViewportSize({ width: 400, height: 760 });
  await page.clock.install();
  await page.goto(`chrome-extension://${browser.extensionId}/sidepanel.html`);
  const panel = new SidePanel(page);
  await expect(panel.signInButton.or(panel.accountName)).toBeVisible();
  if (await panel.signInButton.isVisible()) await panel.signIn();
  await expect(panel.accountName).toBeVisible();
  return panel;
}

test.use({ suite: { name: 'live-updates', stack: { ably: true, statusCallbacks: 'manual' } } });
test.describe.configure({ mode: 'serial' });

let panel: SidePanel;
let adaId: string;
const requestedUrls: string[] = [];

test.beforeAll(async ({ stack, extension }) => {
  mkdirSync(SHOTS_DIR, { recursive: true });
  adaId = await stack.api.createSolver({ ...ADA, employment: 'employed', googleEmail: ADA.email });
  await stack.api.createSession({ solverId: adaId, customerName: 'Grace Hopper', customerPhone: GRACE_PHONE });
  extension.context.on('request', (request) => void requestedUrls.push(request.url()));
  extension.context.on('page', (page) => page.on('websocket', (socket) => void requestedUrls.push(socket.url())));
  // No polling at all: whatever the panel learns after this, it learns from Ably.
  await extension.evaluate(() => chrome.storage.local.set({ sessionsPollIntervalMs: 0 }), undefined);
  panel = await signedInPanel(extension);
});

const liveLine = () => panel.page.getByTestId('live-mode');

test.describe('live updates through the Ably emulator (ably-js in real Chromium)', () => {
  test('says "Live updates: on" in the side panel and on the options page, connected only to the configured endpoint', async ({
    stack,
    extension,
  }) => {
    await expect(liveLine()).toHaveText('Live updates: on');
    await expect(liveLine()).toHaveAttribute('data-mode', 'live');
    await expect(panel.card('Grace Hopper')).toBeVisible();
    await panel.page.screenshot({ path: `${SHOTS_DIR}/live-updates-panel-on.png` });

    // The panel's client: a token minted by the backend for Ada's channel, exchanged at the emulator; attached there.
    const channel = solverChannel(adaId);
    const connection = stack.emulators.ably.realtime.connections().find((entry) => entry.clientId === channel);
    expect(connection).toMatchObject({ auth: 'token', format: 'json', heartbeats: true });
    expect(stack.emulators.ably.realtime.attachments(channel)).toContainEqual(expect.objectContaining({ outcome: 'attached' }));
    expect(stack.emulators.ably.requests('requestToken').length).toBeGreaterThanOrEqual(1);

    const options = await OptionsPage.open(extension);
    await expect(options.page.getByTestId('status-live-updates')).toHaveText('Live updates: on');
    await expect(options.page.getByTestId('status-ably')).toHaveText('Ably (live updates): configured');
    await options.page.screenshot({ path: `${SHOTS_DIR}/live-updates-options-on.png`, fullPage: true });
    await options.page.close();

    const ablyUrls = [...new Set(requestedUrls.filter((url) => /\/keys\/|^wss?:/.test(url)))];
    expect(ablyUrls.length).toBeGreaterThan(0);
    expect(
      ablyUrls.every((url) => url.startsWith(stack.emulators.ably.url) || url.startsWith(`${stack.emulators.ably.realtimeUrl}/`)),
    ).toBe(true);
    expect(requestedUrls.filter((url) => ABLY_HOSTS.test(new URL(url).hostname))).toEqual([]);
  });

  test('shows "SMS delivered" within 1 s of the Twilio status callback, with polling off', async ({ stack, context }) => {
    await panel.page.bringToFront();
    const grace = panel.card('Grace Hopper');
    const callLine = grace.getByTestId('session-call');
    const opened = nextTab(context);
    await grace.getByRole('button', { name: 'Start Google Meet' }).click();
    await (await opened).close();
    await panel.page.bringToFront();

    const smsToGrace = () => stack.emulators.twilio.messages().find((message) => message.to === GRACE_PHONE);
    await expect.poll(() => smsToGrace() !== undefined, { message: 'the SMS' }).toBe(true);
    const sms = smsToGrace()!;
    await expect(callLine).toHaveText(/SMS sending$/);

    // Polling is really off: once the call's own updates (room access, SMS) have been pushed, the panel's clock is
    // moved on past one polling period (its timers fire as they would in that time), and it asks for no list that
    // a message from Ably did not cause.
    const pushed = () => stack.emulators.ably.messages(solverChannel(adaId));
    await expect.poll(() => Date.now() - (pushed().at(-1)?.receivedAt ?? 0), { message: 'the updates to settle' }).toBeGreaterThan(2_000);
    const listRequests = await countListRequests(panel);
    const [quietBefore, pushedBefore] = [await listRequests(), pushed().length];
    await panel.page.clock.runFor(POLL_PERIOD_MS + 1_000);
    const [quietRequests, quietPushes] = [(await listRequests()) - quietBefore, pushed().length - pushedBefore];
    console.log(
      `[live-updates] ${POLL_PERIOD_MS / 1_000 + 1} s (panel clock) with polling off: ${quietRequests} list requests, ${quietPushes} Ably messages`,
    );
    expect(quietRequests).toBeLessThanOrEqual(quietPushes);

    // `sent` first: only Ably can tell the panel (no polling, no change made from this browser).
    await stack.emulators.twilio.sendStatusCallback(sms.sid, 'sent');
    await expect(callLine, '"SMS sent" pushed by Ably').toHaveText(/SMS sent just now$/, { timeout: 5_000 });

    const delivered = callLine.filter({ hasText: 'SMS delivered' });
    const startedAt = Date.now();
    // The requirement: within 1 s of the callback.
    const shown = delivered.waitFor({ state: 'visible', timeout: 1_000 });
    const callback = await stack.emulators.twilio.sendStatusCallback(sms.sid, 'delivered');
    await shown;
    const elapsedMs = Date.now() - startedAt;
    console.log(`[live-updates] Twilio "delivered" callback → "SMS delivered" in the side panel: ${elapsedMs} ms`);
    expect(callback.responseStatus).toBe(204);
    await expect(callLine).toHaveText('Waiting for the customer · SMS delivered just now');
    await expect(liveLine()).toHaveAttribute('data-mode', 'live');
    // The refetch Ably's message caused (which also shows the count above was counting).
    expect(await listRequests()).toBeGreaterThan(quietBefore);
    await panel.page.screenshot({ path: `${SHOTS_DIR}/live-updates-panel-delivered.png` });
  });

  test('says "off" and why when the connection is lost, keeps the list by polling, and comes back on', async ({ stack, extension }) => {
    const ably = stack.emulators.ably.realtime;
    const options = await OptionsPage.open(extension);
    const status = options.page.getByTestId('status-live-updates');
    await expect(status).toHaveText('Live updates: on');

    ably.refuse();
    expect(ably.drop()).toBeGreaterThanOrEqual(2);
    const off = /^Live updates: off — connecting failed: .+/;
    await panel.page.bringToFront();
    await expect(liveLine()).toHaveText(off);
    await expect(liveLine()).toHaveAttribute('data-mode', 'polling');
    await panel.page.screenshot({ path: `${SHOTS_DIR}/live-updates-panel-off.png` });
    await options.page.bringToFront();
    await expect(status).toHaveText(off);
    await options.page.screenshot({ path: `${SHOTS_DIR}/live-updates-options-off.png`, fullPage: true });
    console.log(`[live-updates] off: panel "${await liveLine().textContent()}", options "${await status.textContent()}"`);

    // Polling (back on, every second here) keeps the list current meanwhile: a new session appears without Ably.
    await extension.evaluate(() => chrome.storage.local.set({ sessionsPollIntervalMs: 1_000 }), undefined);
    await stack.api.createSession({ solverId: adaId, customerName: 'Alan Turing', customerPhone: '+14155550199' });
    await expect(panel.card('Alan Turing')).toBeVisible({ timeout: 10_000 });
    await expect(liveLine()).toHaveAttribute('data-mode', 'polling');

    // Ably's client retries by itself (disconnectedRetryTimeout, 15 s by default) and is back on once accepted.
    ably.accept();
    await panel.page.bringToFront();
    await expect(liveLine()).toHaveText('Live updates: on', { timeout: 40_000 });
    await expect(status).toHaveText('Live updates: on', { timeout: 40_000 });
    expect(ably.refusedCount()).toBeGreaterThanOrEqual(1);
    await options.page.close();
  });
});
