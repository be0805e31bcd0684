/// <reference types="chrome" />
import { randomUUID } from 'node:crypto';
import type { BrowserContext } from '@playwright/test';
import { meetSmsBody, SAVVYSOLVE_WEBHOOK_PATH, type SessionUpserted } from '../../shared/index.ts';
import { HOST_API_TOKEN } from '../integration/stack.ts';
import { SessionPage } from './pages/session-page.ts';
import { SidePanel } from './pages/side-panel.ts';
import { ADA, CARL, type E2EStack } from './support/e2e-stack.ts';
import { ARTIFACTS_DIR, nextTab } from './support/extension-browser.ts';
import { expect, test } from './support/fixtures.ts';

const MEET_ROOM = /\/meet\/[a-z]{3}-[a-z]{4}-[a-z]{3}$/;

test.use({ suite: { name: 'host-integration' } });
test.describe.configure({ mode: 'serial' });

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
async function startMeet(context: BrowserContext, stack: E2EStack, sessionId: string) {
  const page = await SessionPage.open(context, stack.fixture.url, sessionId);
  await expect(page.meetButton).toBeVisible({ timeout: 20_000 });
  await expect(page.meetButton).toHaveText('Start Google Meet');
  const opened = nextTab(context);
  await page.meetButton.click();
  const meetTab = await opened;
  await meetTab.waitForLoadState();
  return { page, meetTab };
}

const smsTo = (stack: E2EStack, phone: string) => stack.emulators.twilio.messages().filter((message) => message.to === phone);

/** The `meet_link.created` events the host emulator received for this session, once there is one. */
async function meetLinkCreated(stack: E2EStack, sessionId: string) {
  const events = () =>
    stack.host.uniqueEvents().filter((event) => event.type === 'meet_link.created' && event.data?.sessionId === sessionId);
  await expect.poll(() => events().length, { message: `meet_link.created for ${sessionId}` }).toBeGreaterThan(0);
  return events();
}

/**
 * Waits until nothing is left to happen for the session's SMS: Twilio reported it delivered (its last status) and
 * every event for the SavvySolve app went out (none pending in the outbox). Only then are the texts counted.
 */
async function smsSettled(stack: E2EStack, sessionId: string) {
  await expect
    .poll(
      async () => {
        const view = (await stack.api.adminSession(sessionId)).body;
        return view.sms?.status === 'delivered' && view.hostEvents.every((event: { status: string }) => event.status === 'delivered');
      },
      { message: 'the SMS delivered and every event for the SavvySolve app sent' },
    )
    .toBe(true);
}

test.beforeAll(async ({ stack, extension }) => {
  webhookUrl = `${stack.backend.url}${SAVVYSOLVE_WEBHOOK_PATH}`;
  // The solvers too come from the host, signed: no admin API anywhere in this file.
  for (const solver of [
    { email: ADA.email, name: ADA.name, employment: 'employed', googleEmail: ADA.email },
    { email: CARL.email, name: CARL.name, employment: 'contract', googleEmail: null },
  ]) {
    const answer = await stack.host.sendWebhook(webhookUrl, 'solver.upserted', solver);
    expect(answer).toMatchObject({ status: 200, body: { received: true, outcome: 'created' } });
  }
  // The emulated Google has Ada signed in: the panel may sign in silently, else through the button.
  const panel = await SidePanel.open(extension);
  await expect(panel.accountName.or(panel.signInButton)).toBeVisible();
  if (!(await panel.accountName.isVisible())) await panel.signIn();
  await expect(panel.accountName).toHaveText(ADA.name);
  await panel.page.close();
});

/**
 * The SavvySolve app and the backend in step, in real Chromium: a session known only from the host's signed
 * webhooks, and one the webhooks missed (found by the lazy pull), both escalated to a Meet with one click; the
 * host hears `meet_link.created`, signed, and the stand-in session page shows it.
 */
test.describe('sessions from the SavvySolve app, in real Chromium', () => {
  test('escalates a session known only from a signed session.upserted: Meet tab, one SMS, meet_link.created signed', async ({
    stack,
    context,
  }) => {
    const phone = '+14155550131';
    const session = sessionData('Grace Hopper', phone);
    const answer = await stack.host.sendWebhook(webhookUrl, 'session.upserted', session);
    expect(answer).toMatchObject({ status: 200, body: { received: true, outcome: 'created' } });

    const { page, meetTab } = await startMeet(context, stack, session.sessionId);
    expect(meetTab.url()).toMatch(MEET_ROOM);
    expect(meetTab.url().startsWith(stack.emulators.google.meetBaseUrl)).toBe(true);

    await expect.poll(() => smsTo(stack, phone).length, { message: 'the customer SMS' }).toBeGreaterThan(0);
    const sms = smsTo(stack, phone);
    expect(sms).toHaveLength(1);
    expect(sms[0]!.body).toBe(meetSmsBody(ADA.name, meetTab.url()));

    const [created, ...more] = await meetLinkCreated(stack, session.sessionId);
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
    await expect(row).toHaveCount(1);
    await expect(row).toHaveAttribute('data-signature', 'valid');
    await expect(row).toHaveAttribute('data-webhook-id', created!.webhookId);
    await expect(row).toContainText(meetTab.url());
    // Twilio's status callbacks follow: the host hears the SMS progress too.
    await expect(page.hostEventRows('sms.status_changed').first()).toBeVisible();
    await smsSettled(stack, session.sessionId);
    await page.page.screenshot({ path: `${ARTIFACTS_DIR}/host-webhook-session.png`, fullPage: true });

    // Still exactly one SMS after the status callbacks settled.
    expect(smsTo(stack, phone)).toHaveLength(1);
    await meetTab.close();
    await page.page.close();
  });

  test('finds a session the webhooks missed through the lazy pull: Meet tab, one SMS, the admin view shows it', async ({
    stack,
    context,
  }) => {
    const phone = '+14155550132';
    // A national number, as the host may send it: read with DEFAULT_PHONE_REGION=US.
    const session = sessionData('Alan Turing', '(415) 555-0132');
    stack.host.putSession(session);
    expect((await stack.api.adminSession(session.sessionId)).status).toBe(404);
    const pullsBefore = stack.host.requests('sessions.get').length;

    const { page, meetTab } = await startMeet(context, stack, session.sessionId);
    expect(meetTab.url()).toMatch(MEET_ROOM);

    const pulls = stack.host.requests('sessions.get').slice(pullsBefore);
    expect(pulls.map((request) => request.path)).toContain(`/api/sessions/${session.sessionId}`);
    expect(pulls[0]!.headers.authorization).toBe(`Bearer ${HOST_API_TOKEN}`);

    await expect.poll(() => smsTo(stack, phone).length, { message: 'the customer SMS' }).toBeGreaterThan(0);
    const sms = smsTo(stack, phone);
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

    const [created] = await meetLinkCreated(stack, session.sessionId);
    expect(created).toMatchObject({ signatureValid: true, data: { meetLink: meetTab.url() } });
    await expect
      .poll(async () => (await stack.api.adminSession(session.sessionId)).body.hostEvents, {
        message: 'the admin view to show meet_link.created delivered',
      })
      .toContainEqual(expect.objectContaining({ type: 'meet_link.created', status: 'delivered', attempts: 1 }));
    await page.page.bringToFront();
    await expect(page.hostEventRows('meet_link.created').first()).toBeVisible();
    await page.page.screenshot({ path: `${ARTIFACTS_DIR}/host-lazy-pull-session.png`, fullPage: true });

    await smsSettled(stack, session.sessionId);
    expect(smsTo(stack, phone)).toHaveLength(1);
    await meetTab.close();
    await page.page.close();
  });

  test('lets the stand-in page make a new session with its own UUID and end it, told to the backend signed both ways', async ({
    stack,
    context,
  }) => {
    // The stand-in app offers the solvers it told the backend about itself (signed solver.upserted: no change here).
    await stack.fixture.host!.upsertSolver({ email: ADA.email, name: ADA.name, employment: 'employed', googleEmail: ADA.email });
    const page = await SessionPage.open(context, stack.fixture.url, randomUUID());
    const form = page.page.locator('[data-new-session]');
    await form.locator('select').selectOption(ADA.email);
    await form.locator('input[type="submit"]').click();
    await page.page.waitForURL(/\/sessions\/[0-9a-f-]{36}$/);
    const sessionId = page.page.url().split('/').at(-1)!;
    await expect(page.details).toContainText('session.upserted → created');
    await expect(page.header.locator('h1')).toHaveText('Katherine Johnson');
    // The backend knows it from the webhook alone (no pull): the Meet button works as for any session.
    expect((await stack.api.adminSession(sessionId)).status).toBe(200);
    await expect(page.meetButton).toBeVisible({ timeout: 20_000 });
    await page.page.screenshot({ path: `${ARTIFACTS_DIR}/host-new-session.png`, fullPage: true });

    // A call, then "End session" on the stand-in page: signed session.ended in, signed session.meet_ended back.
    const opened = nextTab(context);
    await page.meetButton.click();
    const meetTab = await opened;
    await meetTab.close();
    await page.page.bringToFront();
    await expect(page.hostEventRows('meet_link.created').first()).toBeVisible();
    await page.details.locator('[data-end-session] input[type="submit"]').click();
    await page.page.waitForURL(`**/sessions/${sessionId}`);
    await expect(page.hostEventRows('session.meet_ended').first()).toHaveAttribute('data-signature', 'valid');
    await expect(page.header.locator('.status')).toHaveText('Ended');
    await expect(page.details).toContainText('session.ended → ended');
    expect((await stack.api.adminSession(sessionId)).body.status).toBe('ended');
    await page.page.screenshot({ path: `${ARTIFACTS_DIR}/host-ended-session.png`, fullPage: true });
    await page.page.close();
  });
});
