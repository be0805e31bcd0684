/// <reference types="chrome" />
import { mkdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SessionPage } from './pages/session-page.ts';
import { SidePanel } from './pages/side-panel.ts';
import { ADA, eventually, settingsFor, startE2EStack, type E2EStack } from './support/e2e-stack.ts';
import { ARTIFACTS_DIR, configureExtension, launchExtensionBrowser, nextTab, type ExtensionBrowser } from './support/extension-browser.ts';

/** Screenshots go with the other artifacts, or where E2E_SHOTS_DIR says (e.g. /tmp/shots). */
const SHOTS_DIR = process.env.E2E_SHOTS_DIR ?? ARTIFACTS_DIR;
const UNREGISTERED =
  'SMS not delivered: a problem with our texting setup, not with the customer. Tell your admin: our texting number isn’t registered with US carriers.';
const LANDLINE = 'SMS failed: this number can’t receive texts. Ask the customer for a mobile number.';

/**
 * Twilio's errors as the solver reads them (issue 21), in real Chromium against the real backend: a sender US carriers
 * block (30034, reported by the status callback) and a landline (21614, refused when created), on the side panel's
 * card and on the Meet button's status on the session page.
 */
describe('SMS failures in the solver’s words, in real Chromium', () => {
  let stack: E2EStack;
  let browser: ExtensionBrowser;
  let panel: SidePanel;
  const sessions = { blocked: '', landline: '' };
  const BLOCKED_PHONE = '+14155558801';

  beforeAll(async () => {
    mkdirSync(SHOTS_DIR, { recursive: true });
    stack = await startE2EStack();
    const adaId = await stack.api.createSolver({ ...ADA, employment: 'employed', googleEmail: ADA.email });
    sessions.blocked = await stack.api.createSession({ solverId: adaId, customerName: 'Grace Hopper', customerPhone: BLOCKED_PHONE });
    sessions.landline = await stack.api.createSession({
      solverId: adaId,
      customerName: 'Alan Turing',
      customerPhone: stack.emulators.twilio.landlineNumber,
    });
    // As an unregistered 10DLC sender: Twilio takes the text, then the carrier blocks it.
    stack.emulators.twilio.setOutcomes(BLOCKED_PHONE, ['30034']);
    browser = await launchExtensionBrowser();
    await configureExtension(browser, settingsFor(stack), 'http://127.0.0.1/*');
  });

  afterAll(async () => {
    await browser?.close();
    await stack?.close();
  });

  it('says on the card that our texting number is not registered, and whom to tell', async () => {
    panel = await SidePanel.open(browser);
    if (await panel.signInButton.isVisible()) await panel.signIn();
    const grace = panel.card('Grace Hopper');
    await grace.waitFor();
    const opened = nextTab(browser.context);
    await grace.getByRole('button', { name: 'Start Google Meet' }).click();
    await (await opened).close();
    await panel.page.bringToFront();

    await eventually(
      async () => (await grace.getByTestId('session-call').textContent()) === `Waiting for the customer · ${UNREGISTERED}`,
      'the sender problem on the card',
      30_000,
    );
    expect(await grace.getByTestId('session-call').getAttribute('class')).toContain('status--error');
    expect(await grace.textContent()).not.toMatch(/30034/);
    expect(stack.emulators.twilio.messages().filter((message) => message.to === BLOCKED_PHONE)).toHaveLength(1);
    await grace.screenshot({ path: `${SHOTS_DIR}/side-panel-sms-sender-problem.png` });
  });

  it('says on the card that a landline cannot receive texts, and what to ask for', async () => {
    await panel.page.bringToFront();
    const alan = panel.card('Alan Turing');
    const opened = nextTab(browser.context);
    await alan.getByRole('button', { name: 'Start Google Meet' }).click();
    await (await opened).close();
    await panel.page.bringToFront();
    await eventually(
      async () => (await alan.getByTestId('session-call').textContent()) === `Waiting for the customer · ${LANDLINE}`,
      'the landline on the card',
      30_000,
    );
  });

  it('shows the same words on the Meet button’s status on the session page', async () => {
    const page = await SessionPage.open(browser.context, stack.fixture.url, sessions.blocked);
    const status = page.page.getByTestId('savvysolve-meet-call-status');
    await status.waitFor({ timeout: 20_000 });
    await eventually(
      async () => (await status.textContent()) === `Waiting for the customer · ${UNREGISTERED}`,
      'the button’s status',
      20_000,
    );
    expect(await page.meetButton.getAttribute('title')).toContain(UNREGISTERED);
    await page.page.close();
  });
});
