/// <reference types="chrome" />
import { mkdirSync } from 'node:fs';
import { SessionPage } from './pages/session-page.ts';
import { SidePanel } from './pages/side-panel.ts';
import { ADA, type E2EStack } from './support/e2e-stack.ts';
import { ARTIFACTS_DIR, nextTab } from './support/extension-browser.ts';
import { expect, test } from './support/fixtures.ts';

/** Screenshots go with the other artifacts, or where E2E_SHOTS_DIR says (e.g. /tmp/shots). */
const SHOTS_DIR = process.env.E2E_SHOTS_DIR ?? ARTIFACTS_DIR;
const UNREGISTERED =
  'SMS not delivered: a problem with our texting setup, not with the customer. Tell your admin: our texting number isn’t registered with US carriers.';
const LANDLINE = 'SMS failed: this number can’t receive texts. Ask the customer for a mobile number.';
const BLOCKED_PHONE = '+14155558801';

/** `text` as a regular expression that matches it anywhere (for attributes that hold more than it). */
const containing = (text: string) => new RegExp(text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));

/**
 * Waits until nothing is left to happen for the session's SMS: Twilio's last status is in (`status`, with its error
 * code) and every event for the SavvySolve app went out. Only then are the texts counted.
 */
async function smsSettled(stack: E2EStack, sessionId: string, sms: { status: string; errorCode: string }) {
  await expect
    .poll(
      async () => {
        const view = (await stack.api.adminSession(sessionId)).body;
        const eventsSent = view.hostEvents.every((event: { status: string }) => event.status === 'delivered');
        return { status: view.sms?.status, errorCode: view.sms?.errorCode, eventsSent };
      },
      { message: 'the SMS final and every event for the SavvySolve app sent' },
    )
    .toEqual({ ...sms, eventsSent: true });
}

test.use({ suite: { name: 'sms-errors' } });
test.describe.configure({ mode: 'serial' });

let panel: SidePanel;
const sessions = { blocked: '', landline: '' };

test.beforeAll(async ({ stack }) => {
  mkdirSync(SHOTS_DIR, { recursive: true });
  const adaId = await stack.api.createSolver({ ...ADA, employment: 'employed', googleEmail: ADA.email });
  sessions.blocked = await stack.api.createSession({ solverId: adaId, customerName: 'Grace Hopper', customerPhone: BLOCKED_PHONE });
  sessions.landline = await stack.api.createSession({
    solverId: adaId,
    customerName: 'Alan Turing',
    customerPhone: stack.emulators.twilio.landlineNumber,
  });
  // As an unregistered 10DLC sender: Twilio takes the text, then the carrier blocks it.
  stack.emulators.twilio.setOutcomes(BLOCKED_PHONE, ['30034']);
});

/**
 * Twilio's errors as the solver reads them (issue 21), in real Chromium against the real backend: a sender US carriers
 * block (30034, reported by the status callback) and a landline (21614, refused when created), on the side panel's
 * card and on the Meet button's status on the session page.
 */
test.describe('SMS failures in the solver’s words, in real Chromium', () => {
  test('says on the card that our texting number is not registered, and whom to tell', async ({ stack, extension, context }) => {
    panel = await SidePanel.open(extension);
    await expect(panel.signInButton.or(panel.accountName)).toBeVisible();
    if (await panel.signInButton.isVisible()) await panel.signIn();
    await expect(panel.accountName).toHaveText(ADA.name);
    const grace = panel.card('Grace Hopper');
    await expect(grace).toBeVisible();
    const opened = nextTab(context);
    await grace.getByRole('button', { name: 'Start Google Meet' }).click();
    await (await opened).close();
    await panel.page.bringToFront();

    const call = grace.getByTestId('session-call');
    await expect(call).toHaveText(`Waiting for the customer · ${UNREGISTERED}`, { timeout: 30_000 });
    await expect(call).toHaveClass(/status--error/);
    await expect(grace).not.toContainText('30034');
    // The carrier's block is Twilio's last word on that text: counted once it is in, it was sent once.
    await smsSettled(stack, sessions.blocked, { status: 'undelivered', errorCode: '30034' });
    expect(stack.emulators.twilio.messages().filter((message) => message.to === BLOCKED_PHONE)).toHaveLength(1);
    await grace.screenshot({ path: `${SHOTS_DIR}/side-panel-sms-sender-problem.png` });
  });

  test('says on the card that a landline cannot receive texts, and what to ask for', async ({ stack, context }) => {
    await panel.page.bringToFront();
    const alan = panel.card('Alan Turing');
    const opened = nextTab(context);
    await alan.getByRole('button', { name: 'Start Google Meet' }).click();
    await (await opened).close();
    await panel.page.bringToFront();
    await expect(alan.getByTestId('session-call')).toHaveText(`Waiting for the customer · ${LANDLINE}`, { timeout: 30_000 });
    await expect(alan.getByTestId('session-call')).toHaveClass(/status--error/);
    // Twilio refused it when created: no text went out, and it was asked once, not again.
    const { twilio } = stack.emulators;
    await smsSettled(stack, sessions.landline, { status: 'failed', errorCode: '21614' });
    expect(twilio.messages().filter((message) => message.to === twilio.landlineNumber)).toEqual([]);
    expect(twilio.requests('messages.create').filter((request) => request.body?.To === twilio.landlineNumber)).toHaveLength(1);
  });

  test('shows the same words on the Meet button’s status on the session page', async ({ stack, context }) => {
    const page = await SessionPage.open(context, stack.fixture.url, sessions.blocked);
    const status = page.page.getByTestId('savvysolve-meet-call-status');
    await expect(status).toHaveText(`Waiting for the customer · ${UNREGISTERED}`, { timeout: 20_000 });
    await expect(page.meetButton).toHaveAttribute('title', containing(UNREGISTERED));
    await page.page.close();
  });
});
