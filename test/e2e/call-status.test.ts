/// <reference types="chrome" />
import { mkdirSync } from 'node:fs';
import { ADMIN_TOKEN } from '../integration/stack.ts';
import { SessionPage } from './pages/session-page.ts';
import { SidePanel } from './pages/side-panel.ts';
import { ADA } from './support/e2e-stack.ts';
import { ARTIFACTS_DIR } from './support/extension-browser.ts';
import { expect, test } from './support/fixtures.ts';

/** Screenshots go with the other artifacts, or where E2E_SHOTS_DIR says (e.g. /tmp/shots). */
const SHOTS_DIR = process.env.E2E_SHOTS_DIR ?? ARTIFACTS_DIR;
const CALENDAR_ONLY = ['https://www.googleapis.com/auth/calendar'];
const MINUTE = 60_000;

test.use({ suite: { name: 'call-status' } });
test.describe.configure({ mode: 'serial' });

let panel: SidePanel;
let adaId: string;
let graceId: string;

test.beforeAll(async ({ stack, extension }) => {
  mkdirSync(SHOTS_DIR, { recursive: true });
  adaId = await stack.api.createSolver({ ...ADA, employment: 'employed', googleEmail: ADA.email });
  graceId = await stack.api.createSession({ solverId: adaId, customerName: 'Grace Hopper', customerPhone: '+14155550123' });
  panel = await SidePanel.open(extension);
  await expect(panel.signInButton.or(panel.accountName)).toBeVisible();
  if (await panel.signInButton.isVisible()) await panel.signIn();
  await expect(panel.accountName).toBeVisible();
});

const callLine = (customerName: string) => panel.card(customerName).getByTestId('session-call');

test.describe('the call status in real Chromium (attendance from the Meet emulator)', () => {
  test('warns when the room could not be opened, and suggests resending the SMS once the customer is late', async ({
    stack,
    context,
    extensionId,
  }) => {
    // The admin granted Calendar but not the Meet scopes: the access step fails, the SMS goes anyway. (First in this
    // file: the backend keeps a Meet token once it has one.)
    stack.emulators.google.setDelegation(ADA.email, CALENDAR_ONLY);
    const alanId = await stack.api.createSession({ solverId: adaId, customerName: 'Alan Turing', customerPhone: '+14155550199' });
    try {
      await expect(panel.card('Alan Turing')).toBeVisible();
      await panel.startMeet('Alan Turing');
      await expect(callLine('Alan Turing')).toHaveText('Waiting for the customer · SMS delivered just now', { timeout: 20_000 });
      await expect(panel.card('Alan Turing').getByTestId('session-access-warning')).toHaveText(
        /^The customer may have to ask to join: your Google Workspace admin has not yet allowed SavvySolve Meet to change Meet settings .*\.$/,
      );
      await expect(panel.card('Alan Turing').getByTestId('session-nudge')).toHaveCount(0);
      await panel.page.screenshot({ path: `${SHOTS_DIR}/call-status-access-failed.png` });
    } finally {
      stack.emulators.google.setDelegation(ADA.email, 'all');
    }

    // Four minutes later (CUSTOMER_JOIN_NUDGE_MINUTES is 3) by the pages' clock — Playwright's clock is the whole
    // context's, so it is put back after — a freshly opened panel prompts to resend, beside Resend SMS.
    const later = await context.newPage();
    await later.setViewportSize({ width: 400, height: 760 });
    await later.clock.setSystemTime(Date.now() + 4 * MINUTE);
    try {
      await later.goto(`chrome-extension://${extensionId}/sidepanel.html`);
      const alan = new SidePanel(later).card('Alan Turing');
      const nudge = alan.getByTestId('session-nudge');
      await expect(nudge).toHaveText('The customer has not joined yet — resend the SMS?');
      await expect(alan.getByTestId('session-call')).toHaveText('Waiting for the customer · SMS delivered 4 min ago');
      const resend = alan.getByRole('button', { name: 'Resend SMS' });
      await expect(resend).toHaveAttribute('aria-describedby', (await nudge.getAttribute('id'))!);
      await later.screenshot({ path: `${SHOTS_DIR}/call-status-nudge.png` });

      // Same action as before: the SMS goes again, and the prompt is answered.
      const texts = () => stack.emulators.twilio.messages().filter((message) => message.to === '+14155550199').length;
      expect(texts()).toBe(1);
      await resend.click();
      await expect.poll(texts).toBe(2);
      await expect(nudge).toHaveCount(0);
    } finally {
      await later.clock.setSystemTime(Date.now());
      await later.close();
    }

    // The session ends: its card leaves the panel.
    expect((await stack.api.call('POST', `/api/admin/sessions/${alanId}/end`, { token: ADMIN_TOKEN })).status).toBe(200);
    await panel.page.bringToFront();
    await expect(panel.card('Alan Turing')).toHaveCount(0);
  });

  test('follows the customer into the call, out of it, and the call to its end', async ({ stack, context }) => {
    // The session page's button asks again only every 30 s, and the call goes through four states.
    test.setTimeout(120_000);
    const grace = panel.card('Grace Hopper');
    await expect(grace).toBeVisible();
    await expect(grace.getByTestId('session-call')).toHaveCount(0);

    const code = await panel.startMeet('Grace Hopper');
    expect(code).toMatch(/^[a-z]{3}-[a-z]{4}-[a-z]{3}$/);
    // The room is opened to the customer (OPEN), then the SMS goes and Twilio (emulated) reports it delivered.
    await expect(callLine('Grace Hopper')).toHaveText('Waiting for the customer · SMS delivered just now', { timeout: 20_000 });
    expect(stack.emulators.google.meet.space(code)?.config.accessType).toBe('OPEN');
    await expect(grace.getByTestId('session-access-warning')).toHaveCount(0);
    await panel.page.screenshot({ path: `${SHOTS_DIR}/call-status-waiting.png` });

    // Ada joined 7 minutes ago, Grace 6: the panel counts Grace's minutes from her join.
    const now = Date.now();
    const ada = { kind: 'signedin' as const, userId: stack.emulators.google.googleAccountIdFor(ADA.email), displayName: 'Ada' };
    const customer = { kind: 'anonymous' as const, displayName: 'Grace' };
    stack.emulators.google.meet.join(code, ada, new Date(now - 7 * MINUTE));
    stack.emulators.google.meet.join(code, customer, new Date(now - 6 * MINUTE));
    await expect(callLine('Grace Hopper')).toHaveText('Customer in the call · 6 min', { timeout: 20_000 });
    await expect(grace.getByTestId('session-call')).toHaveAttribute('data-phase', 'in_call');
    await panel.page.screenshot({ path: `${SHOTS_DIR}/call-status-in-call.png` });

    // The session page's button says the same, beside "Open Meet" and in its tooltip.
    const page = await SessionPage.open(context, stack.fixture.url, graceId);
    const status = page.page.getByTestId('savvysolve-meet-call-status');
    await expect(status).toBeVisible();
    await expect(status).toHaveText('Customer in the call · 6 min');
    await expect(page.meetButton).toContainText('Open Meet');
    await expect(page.meetButton).toHaveAttribute('title', 'Open this session’s Google Meet in a new tab\nCustomer in the call · 6 min');
    await expect(status.getByRole('status')).toHaveText('Customer in the call');
    expect((await page.meetButton.getAttribute('aria-describedby'))?.split(' ')).toContain(await status.getAttribute('id'));
    await page.header.screenshot({ path: `${SHOTS_DIR}/meet-button-call-status.png` });

    // Grace drops out: the panel says so; the button follows on its own (it asks again every 30 s).
    stack.emulators.google.meet.leave(code, customer);
    await panel.page.bringToFront();
    await expect(callLine('Grace Hopper')).toHaveText('Customer left · just now', { timeout: 20_000 });
    await page.page.bringToFront();
    await expect(status).toHaveText('Customer left · just now', { timeout: 40_000 });
    await page.header.screenshot({ path: `${SHOTS_DIR}/meet-button-customer-left.png` });

    // She comes back (a re-join counts as in again, minutes from her first join), then the call ends, about 7
    // minutes after Ada's join (the waits above take up to a minute of real time).
    stack.emulators.google.meet.join(code, customer);
    await panel.page.bringToFront();
    await expect(callLine('Grace Hopper')).toHaveText(/^Customer in the call · [67] min$/, { timeout: 20_000 });
    stack.emulators.google.meet.endCall(code);
    await expect(callLine('Grace Hopper')).toHaveText(/^Call ended · [78] min$/, { timeout: 20_000 });
    await panel.page.screenshot({ path: `${SHOTS_DIR}/call-status-ended.png` });
    await page.page.close();
  });
});
