/// <reference types="chrome" />
import { mkdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SessionPage } from './pages/session-page.ts';
import { SidePanel } from './pages/side-panel.ts';
import { ADMIN_TOKEN } from '../integration/stack.ts';
import { ADA, eventually, settingsFor, startE2EStack, type E2EStack } from './support/e2e-stack.ts';
import { ARTIFACTS_DIR, configureExtension, launchExtensionBrowser, nextTab, type ExtensionBrowser } from './support/extension-browser.ts';

/** Screenshots go with the other artifacts, or where E2E_SHOTS_DIR says (e.g. /tmp/shots). */
const SHOTS_DIR = process.env.E2E_SHOTS_DIR ?? ARTIFACTS_DIR;
const CALENDAR_ONLY = ['https://www.googleapis.com/auth/calendar'];
const MINUTE = 60_000;

describe('the call status in real Chromium (attendance from the Meet emulator)', () => {
  let stack: E2EStack;
  let browser: ExtensionBrowser;
  let panel: SidePanel;
  let adaId: string;
  let graceId: string;

  beforeAll(async () => {
    mkdirSync(SHOTS_DIR, { recursive: true });
    stack = await startE2EStack();
    adaId = await stack.api.createSolver({ ...ADA, employment: 'employed', googleEmail: ADA.email });
    graceId = await stack.api.createSession({ solverId: adaId, customerName: 'Grace Hopper', customerPhone: '+14155550123' });
    browser = await launchExtensionBrowser();
    await configureExtension(browser, settingsFor(stack), 'http://127.0.0.1/*');
    panel = await SidePanel.open(browser);
    if (await panel.signInButton.isVisible()) await panel.signIn();
    await panel.accountName.waitFor();
  });

  afterAll(async () => {
    await browser?.close();
    await stack?.close();
  });

  /** Starts the card's Meet from the panel and returns the room's meeting code (the link's last path segment). */
  async function startMeet(customerName: string): Promise<string> {
    const card = panel.card(customerName);
    const opened = nextTab(browser.context);
    await card.getByRole('button', { name: 'Start Google Meet' }).click();
    const meetTab = await opened;
    const code = new URL(meetTab.url()).pathname.split('/').at(-1)!;
    await meetTab.close();
    await panel.page.bringToFront();
    return code;
  }

  const callLine = (customerName: string) => panel.card(customerName).getByTestId('session-call');
  async function waitForCall(customerName: string, text: string | RegExp, timeoutMs = 20_000): Promise<string> {
    let shown = '';
    try {
      return await eventually(
        async () => {
          shown =
            (await callLine(customerName)
              .textContent({ timeout: 1_000 })
              .catch(() => null)) ?? '';
          return (typeof text === 'string' ? shown === text : text.test(shown)) && shown;
        },
        `"${text}" on ${customerName}'s card`,
        timeoutMs,
      );
    } catch (error) {
      throw new Error(`${(error as Error).message} (it reads "${shown}")`);
    }
  }

  it('warns when the room could not be opened, and suggests resending the SMS once the customer is late', async () => {
    // The admin granted Calendar but not the Meet scopes: the access step fails, the SMS goes anyway. (First in this
    // file: the backend keeps a Meet token once it has one.)
    stack.emulators.google.setDelegation(ADA.email, CALENDAR_ONLY);
    const alanId = await stack.api.createSession({ solverId: adaId, customerName: 'Alan Turing', customerPhone: '+14155550199' });
    try {
      await panel.card('Alan Turing').waitFor({ timeout: 15_000 });
      await startMeet('Alan Turing');
      await waitForCall('Alan Turing', 'Waiting for the customer · SMS delivered just now');
      const warning = panel.card('Alan Turing').getByTestId('session-access-warning');
      await warning.waitFor();
      expect(await warning.textContent()).toMatch(
        /^The customer may have to ask to join: your Google Workspace admin has not yet allowed SavvySolve Meet to change Meet settings .*\.$/,
      );
      expect(await panel.card('Alan Turing').getByTestId('session-nudge').count()).toBe(0);
      await panel.page.screenshot({ path: `${SHOTS_DIR}/call-status-access-failed.png` });
    } finally {
      stack.emulators.google.setDelegation(ADA.email, 'all');
    }

    // Four minutes later (CUSTOMER_JOIN_NUDGE_MINUTES is 3) by the pages' clock — Playwright's clock is the whole
    // context's, so it is put back after — a freshly opened panel prompts to resend, beside Resend SMS.
    const later = await browser.context.newPage();
    await later.setViewportSize({ width: 400, height: 760 });
    await later.clock.setSystemTime(Date.now() + 4 * MINUTE);
    try {
      await later.goto(`chrome-extension://${browser.extensionId}/sidepanel.html`);
      const alan = new SidePanel(later).card('Alan Turing');
      const nudge = alan.getByTestId('session-nudge');
      await nudge.waitFor({ timeout: 15_000 });
      expect(await nudge.textContent()).toBe('The customer has not joined yet — resend the SMS?');
      expect(await alan.getByTestId('session-call').textContent()).toBe('Waiting for the customer · SMS delivered 4 min ago');
      const resend = alan.getByRole('button', { name: 'Resend SMS' });
      expect(await resend.getAttribute('aria-describedby')).toBe(await nudge.getAttribute('id'));
      await later.screenshot({ path: `${SHOTS_DIR}/call-status-nudge.png` });

      // Same action as before: the SMS goes again, and the prompt is answered.
      const texts = () => stack.emulators.twilio.messages().filter((message) => message.to === '+14155550199').length;
      expect(texts()).toBe(1);
      await resend.click();
      await eventually(() => texts() === 2, 'the second SMS');
      await eventually(async () => (await nudge.count()) === 0, 'the prompt to go');
    } finally {
      await later.clock.setSystemTime(Date.now());
      await later.close();
    }

    // The session ends: its card leaves the panel.
    expect((await stack.api.call('POST', `/api/admin/sessions/${alanId}/end`, { token: ADMIN_TOKEN })).status).toBe(200);
    await panel.page.bringToFront();
    await panel.card('Alan Turing').waitFor({ state: 'detached', timeout: 15_000 });
  });

  it('follows the customer into the call, out of it, and the call to its end', async () => {
    const grace = panel.card('Grace Hopper');
    await grace.waitFor();
    expect(await grace.getByTestId('session-call').count()).toBe(0);

    const code = await startMeet('Grace Hopper');
    expect(code).toMatch(/^[a-z]{3}-[a-z]{4}-[a-z]{3}$/);
    // The room is opened to the customer (OPEN), then the SMS goes and Twilio (emulated) reports it delivered.
    await waitForCall('Grace Hopper', 'Waiting for the customer · SMS delivered just now');
    expect(stack.emulators.google.meet.space(code)?.config.accessType).toBe('OPEN');
    expect(await grace.getByTestId('session-access-warning').count()).toBe(0);
    await panel.page.screenshot({ path: `${SHOTS_DIR}/call-status-waiting.png` });

    // Ada joined 7 minutes ago, Grace 6: the panel counts Grace's minutes from her join.
    const now = Date.now();
    const ada = { kind: 'signedin' as const, userId: stack.emulators.google.googleAccountIdFor(ADA.email), displayName: 'Ada' };
    const customer = { kind: 'anonymous' as const, displayName: 'Grace' };
    stack.emulators.google.meet.join(code, ada, new Date(now - 7 * MINUTE));
    stack.emulators.google.meet.join(code, customer, new Date(now - 6 * MINUTE));
    await waitForCall('Grace Hopper', 'Customer in the call · 6 min');
    expect(await grace.getByTestId('session-call').getAttribute('data-phase')).toBe('in_call');
    await panel.page.screenshot({ path: `${SHOTS_DIR}/call-status-in-call.png` });

    // The session page's button says the same, beside "Open Meet" and in its tooltip.
    const page = await SessionPage.open(browser.context, stack.fixture.url, graceId);
    const status = page.page.getByTestId('savvysolve-meet-call-status');
    await eventually(
      async () => (await status.isVisible()) && (await status.textContent()) === 'Customer in the call · 6 min',
      'the button status',
    );
    expect(await page.buttonText()).toContain('Open Meet');
    expect(await page.meetButton.getAttribute('title')).toBe('Open this session’s Google Meet in a new tab\nCustomer in the call · 6 min');
    expect(await status.getByRole('status').textContent()).toBe('Customer in the call');
    expect((await page.meetButton.getAttribute('aria-describedby'))?.split(' ')).toContain(await status.getAttribute('id'));
    await page.header.screenshot({ path: `${SHOTS_DIR}/meet-button-call-status.png` });

    // Grace drops out: the panel says so; the button follows on its own (it asks again every 30 s).
    stack.emulators.google.meet.leave(code, customer);
    await panel.page.bringToFront();
    await waitForCall('Grace Hopper', 'Customer left · just now');
    await page.page.bringToFront();
    await eventually(async () => (await status.textContent()) === 'Customer left · just now', 'the button to follow the call', 40_000);
    await page.header.screenshot({ path: `${SHOTS_DIR}/meet-button-customer-left.png` });

    // She comes back (a re-join counts as in again, minutes from her first join), then the call ends, about 7
    // minutes after Ada's join (the waits above take up to a minute of real time).
    stack.emulators.google.meet.join(code, customer);
    await panel.page.bringToFront();
    await waitForCall('Grace Hopper', /^Customer in the call · [67] min$/);
    stack.emulators.google.meet.endCall(code);
    await waitForCall('Grace Hopper', /^Call ended · [78] min$/);
    await panel.page.screenshot({ path: `${SHOTS_DIR}/call-status-ended.png` });
    await page.page.close();
  });
});
