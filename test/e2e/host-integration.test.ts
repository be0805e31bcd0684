/// <reference types="chrome" />
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { meetSmsBody, SAVVYSOLVE_WEBHOOK_PATH, type SessionUpserted } from '../../shared/index.ts';
import { HOST_API_TOKEN } from '../integration/stack.ts';
import { SessionPage } from './pages/session-page.ts';
import { SidePanel } from './pages/side-panel.ts';
import { ADA, CARL, eventually, startE2EStack, type E2EStack, settingsFor } from './support/e2e-stack.ts';
import { ARTIFACTS_DIR, configureExtension, launchExtensionBrowser, nextTab, type ExtensionBrowser } from './support/extension-browser.ts';

const MEET_ROOM = /\/meet\/[a-z]{3}-[a-z]{4}-[a-z]{3}$/;

/**
 * The SavvySolve app and the backend in step, in real Chromium: a session known only from the host's signed
 * webhooks, and one the webhooks missed (found by the lazy pull), both escalated to a Meet with one click; the
 * host hears `meet_link.created`, signed, and the stand-in session page shows it.
 */
describe('sessions from the SavvySolve app, in real Chromium', () => {
  let stack: E2EStack;
  let browser: ExtensionBrowser;
  let webhookUrl: string;

  const sessionData = (customerName: string, customerPhone: string): SessionUpserted => ({
    sessionId: randomUUID(),
    solverEmail: ADA.email,
    customerName,
    customerPhone,
    status: 'active',
    occurredAt: new Date().toISOString(),
  });

  /** Clicks the Meet button on the stand-in session page; the new tab (on a loaded Meet room) and the page. */
  async function startMeet(sessionId: string): Promise<{ page: SessionPage; meetTab: Awaited<ReturnType<typeof nextTab>> }> {
    const page = await SessionPage.open(browser.context, stack.fixture.url, sessionId);
    await page.meetButton.waitFor({ state: 'visible', timeout: 20_000 });
    expect(await page.buttonText()).toBe('Start Google Meet');
    const opened = nextTab(browser.context);
    await page.meetButton.click();
    const meetTab = await opened;
    await meetTab.waitForLoadState();
    return { page, meetTab };
  }

  const smsTo = (phone: string) => stack.emulators.twilio.messages().filter((message) => message.to === phone);

  /** The one `meet_link.created` the host emulator received for this session (after it arrived). */
  const meetLinkCreated = (sessionId: string) =>
    eventually(() => {
      const events = stack.host.uniqueEvents().filter((event) => event.type === 'meet_link.created' && event.data?.sessionId === sessionId);
      return events.length > 0 && events;
    }, `meet_link.created for ${sessionId}`);

  beforeAll(async () => {
    stack = await startE2EStack();
    webhookUrl = `${stack.backend.url}${SAVVYSOLVE_WEBHOOK_PATH}`;
    // The solvers too come from the host, signed: no admin API anywhere in this file.
    for (const solver of [
      { email: ADA.email, name: ADA.name, employment: 'employed', googleEmail: ADA.email },
      { email: CARL.email, name: CARL.name, employment: 'contract', googleEmail: null },
    ]) {
      const answer = await stack.host.sendWebhook(webhookUrl, 'solver.upserted', solver);
      expect(answer).toMatchObject({ status: 200, body: { received: true, outcome: 'created' } });
    }
    browser = await launchExtensionBrowser();
    await configureExtension(browser, settingsFor(stack), 'http://127.0.0.1/*');
    // The emulated Google has Ada signed in: the panel may sign in silently, else through the button.
    const panel = await SidePanel.open(browser);
    await Promise.race([panel.accountName.waitFor(), panel.signInButton.waitFor()]);
    if (!(await panel.accountName.isVisible())) await panel.signIn();
    expect(await panel.accountName.textContent()).toBe(ADA.name);
    await panel.page.close();
  });

  afterAll(async () => {
    await browser?.close();
    await stack?.close();
  });

  it('escalates a session known only from a signed session.upserted: Meet tab, one SMS, meet_link.created signed', async () => {
    const phone = '+14155550131';
    const session = sessionData('Grace Hopper', phone);
    const answer = await stack.host.sendWebhook(webhookUrl, 'session.upserted', session);
    expect(answer).toMatchObject({ status: 200, body: { received: true, outcome: 'created' } });

    const { page, meetTab } = await startMeet(session.sessionId);
    expect(meetTab.url()).toMatch(MEET_ROOM);
    expect(meetTab.url().startsWith(stack.emulators.google.meetBaseUrl)).toBe(true);

    const sms = await eventually(() => smsTo(phone).length > 0 && smsTo(phone), 'the customer SMS');
    expect(sms).toHaveLength(1);
    expect(sms[0]!.body).toBe(meetSmsBody(ADA.name, meetTab.url()));

    const [created, ...more] = await meetLinkCreated(session.sessionId);
    expect(more).toEqual([]);
    expect(created).toMatchObject({
      signatureValid: true,
      status: 204,
      data: { sessionId: session.sessionId, meetLink: meetTab.url(), source: 'calendar' },
    });
    expect(created!.webhookId).not.toBe('');

    // The stand-in SavvySolve page shows the event it received, with its signature checked.
    await page.page.bringToFront();
    const row = page.hostEventRows('meet_link.created');
    await row.first().waitFor({ timeout: 10_000 });
    expect(await row.count()).toBe(1);
    expect(await row.getAttribute('data-signature')).toBe('valid');
    expect(await row.getAttribute('data-webhook-id')).toBe(created!.webhookId);
    expect(await row.textContent()).toContain(meetTab.url());
    // Twilio's status callbacks follow: the host hears the SMS progress too.
    await eventually(async () => (await page.hostEventRows('sms.status_changed').count()) > 0, 'sms.status_changed on the page');
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    await page.page.screenshot({ path: `${ARTIFACTS_DIR}/host-webhook-session.png`, fullPage: true });

    // Still exactly one SMS after the status callbacks settled.
    expect(smsTo(phone)).toHaveLength(1);
    await meetTab.close();
    await page.page.close();
  });

  it('finds a session the webhooks missed through the lazy pull: Meet tab, one SMS, the admin view shows it', async () => {
    const phone = '+14155550132';
    // A national number, as the host may send it: read with DEFAULT_PHONE_REGION=US.
    const session = sessionData('Alan Turing', '(415) 555-0132');
    stack.host.putSession(session);
    expect((await stack.api.adminSession(session.sessionId)).status).toBe(404);
    const pullsBefore = stack.host.requests('sessions.get').length;

    const { page, meetTab } = await startMeet(session.sessionId);
    expect(meetTab.url()).toMatch(MEET_ROOM);

    const pulls = stack.host.requests('sessions.get').slice(pullsBefore);
    expect(pulls.map((request) => request.path)).toContain(`/api/sessions/${session.sessionId}`);
    expect(pulls[0]!.headers.authorization).toBe(`Bearer ${HOST_API_TOKEN}`);

    const sms = await eventually(() => smsTo(phone).length > 0 && smsTo(phone), 'the customer SMS');
    expect(sms).toHaveLength(1);
    expect(sms[0]!.body).toBe(meetSmsBody(ADA.name, meetTab.url()));

    const admin = await stack.api.adminSession(session.sessionId);
    expect(admin.status).toBe(200);
    expect(admin.body).toMatchObject({
      id: session.sessionId,
      customerName: 'Alan Turing',
      customerPhone: phone,
      status: 'active',
      meetLink: meetTab.url(),
      meetLinkSource: 'calendar',
    });
    // Created by the pull, on the SavvySolve app's word.
    expect(admin.body.audit).toContainEqual(expect.objectContaining({ action: 'session.created', actor: 'savvysolve' }));

    const [created] = await meetLinkCreated(session.sessionId);
    expect(created).toMatchObject({ signatureValid: true, data: { meetLink: meetTab.url() } });
    const delivered = await eventually(async () => {
      const view = (await stack.api.adminSession(session.sessionId)).body;
      return (
        view.hostEvents.some(
          (event: { type: string; status: string }) => event.type === 'meet_link.created' && event.status === 'delivered',
        ) && view
      );
    }, 'the admin view to show meet_link.created delivered');
    expect(delivered.hostEvents).toContainEqual(expect.objectContaining({ type: 'meet_link.created', status: 'delivered', attempts: 1 }));
    await page.page.bringToFront();
    await page.hostEventRows('meet_link.created').first().waitFor({ timeout: 10_000 });
    await page.page.screenshot({ path: `${ARTIFACTS_DIR}/host-lazy-pull-session.png`, fullPage: true });

    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(smsTo(phone)).toHaveLength(1);
    await meetTab.close();
    await page.page.close();
  });

  it('lets the stand-in page make a new session with its own UUID and end it, told to the backend signed both ways', async () => {
    // The stand-in app offers the solvers it told the backend about itself (signed solver.upserted: no change here).
    await stack.fixture.host!.upsertSolver({ email: ADA.email, name: ADA.name, employment: 'employed', googleEmail: ADA.email });
    const page = await SessionPage.open(browser.context, stack.fixture.url, randomUUID());
    const form = page.page.locator('[data-new-session]');
    await form.waitFor();
    await form.locator('select').selectOption(ADA.email);
    await form.locator('input[type="submit"]').click();
    await page.page.waitForURL(/\/sessions\/[0-9a-f-]{36}$/);
    const sessionId = page.page.url().split('/').at(-1)!;
    await page.details.waitFor();
    expect(await page.details.textContent()).toContain('session.upserted → created');
    expect(await page.header.locator('h1').textContent()).toBe('Katherine Johnson');
    // The backend knows it from the webhook alone (no pull): the Meet button works as for any session.
    expect((await stack.api.adminSession(sessionId)).status).toBe(200);
    await page.meetButton.waitFor({ state: 'visible', timeout: 20_000 });
    await page.page.screenshot({ path: `${ARTIFACTS_DIR}/host-new-session.png`, fullPage: true });

    // A call, then "End session" on the stand-in page: signed session.ended in, signed session.meet_ended back.
    const opened = nextTab(browser.context);
    await page.meetButton.click();
    const meetTab = await opened;
    await meetTab.close();
    await page.page.bringToFront();
    await page.hostEventRows('meet_link.created').first().waitFor({ timeout: 10_000 });
    await page.details.locator('[data-end-session] input[type="submit"]').click();
    await page.page.waitForURL(`**/sessions/${sessionId}`);
    await page.hostEventRows('session.meet_ended').first().waitFor({ timeout: 10_000 });
    expect(await page.hostEventRows('session.meet_ended').getAttribute('data-signature')).toBe('valid');
    expect(await page.header.locator('.status').textContent()).toBe('Ended');
    expect(await page.details.textContent()).toContain('session.ended → ended');
    expect((await stack.api.adminSession(sessionId)).body.status).toBe('ended');
    await page.page.screenshot({ path: `${ARTIFACTS_DIR}/host-ended-session.png`, fullPage: true });
    await page.page.close();
  });
});
