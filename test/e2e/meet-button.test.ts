/// <reference types="chrome" />
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FALLBACK_MEET_LINK, meetSmsBody } from '../../shared/index.ts';
import { mkdirSync } from 'node:fs';
import { SessionPage } from './pages/session-page.ts';
import { RealSidePanel, SidePanel } from './pages/side-panel.ts';
import { ADA, CARL, eventually, OAUTH_CLIENT_ID, requestCount, startE2EStack, type E2EStack, settingsFor } from './support/e2e-stack.ts';
import { ARTIFACTS_DIR, configureExtension, launchExtensionBrowser, nextTab, type ExtensionBrowser } from './support/extension-browser.ts';

/** Screenshots go with the other artifacts, or where E2E_SHOTS_DIR says (e.g. /tmp/shots). */
const SHOTS_DIR = process.env.E2E_SHOTS_DIR ?? ARTIFACTS_DIR;
const PHONE = '+14155550123';
const BARBARA = { name: 'Barbara Liskov', email: 'barbara@example.com' };
const FALLBACK_PHONE = '+14155550124';

describe('the Start Google Meet button in real Chromium', () => {
  let stack: E2EStack;
  let browser: ExtensionBrowser;
  let panel: SidePanel;
  const sessions = { first: '', outage: '', carl: '', barbara: '' };
  /** The session page left open while signed out: it must swap its sign-in control for the button at sign-in. */
  let signedOutPage: SessionPage | undefined;

  beforeAll(async () => {
    mkdirSync(SHOTS_DIR, { recursive: true });
    stack = await startE2EStack();
    const adaId = await stack.api.createSolver({ ...ADA, employment: 'employed', googleEmail: ADA.email });
    const carlId = await stack.api.createSolver({ ...CARL, employment: 'contract' });
    sessions.first = await stack.api.createSession({ solverId: adaId, customerName: 'Grace Hopper', customerPhone: PHONE });
    sessions.outage = await stack.api.createSession({ solverId: adaId, customerName: 'Alan Turing', customerPhone: FALLBACK_PHONE });
    sessions.carl = await stack.api.createSession({ solverId: carlId, customerName: 'Edsger Dijkstra', customerPhone: '+14155550125' });
    // Another employed solver's session: Ada may use Meet, but not on it.
    const barbaraId = await stack.api.createSolver({ ...BARBARA, employment: 'employed', googleEmail: BARBARA.email });
    sessions.barbara = await stack.api.createSession({ solverId: barbaraId, customerName: 'Frances Allen', customerPhone: '+14155550127' });

    // No Google account in the browser yet: silent sign-in attempts fail until the test "signs in".
    stack.emulators.google.setSignedInUser(undefined);
    browser = await launchExtensionBrowser();
    await configureExtension(browser, settingsFor(stack), 'http://127.0.0.1/*');
  });

  afterAll(async () => {
    await browser?.close();
    await stack?.close();
  });

  it('signed out, puts a quiet "Sign in to start a video call" on the session page, which opens the side panel', async () => {
    const page = await SessionPage.open(browser.context, stack.fixture.url, sessions.first);
    await page.signInControl.waitFor({ state: 'visible', timeout: 20_000 });
    expect(await page.signInControl.textContent()).toBe('Sign in to start a video call');
    expect(await page.meetButton.count()).toBe(0);
    expect(await page.hostCount()).toBe(1);
    await page.header.screenshot({ path: `${SHOTS_DIR}/meet-button-signed-out.png` });

    expect(await RealSidePanel.find(page.page, browser.extensionId)).toBeUndefined();
    // A real click: chrome.sidePanel.open needs the user gesture, carried by the message to the background.
    await page.signInControl.click();
    const real = await eventually(() => RealSidePanel.find(page.page, browser.extensionId), 'the side panel to open');
    try {
      await eventually(async () => (await real.text()).includes('Sign in with Google'), 'the side panel app in the panel');
      await real.screenshot(`${SHOTS_DIR}/side-panel-opened-from-page.png`);
    } finally {
      await real.close();
    }
    const panels = await browser.evaluate(
      () => chrome.runtime.getContexts({ contextTypes: ['SIDE_PANEL' as chrome.runtime.ContextType] }),
      undefined,
    );
    expect(panels.map((context) => new URL(context.documentUrl!).pathname)).toEqual(['/sidepanel.html']);
    expect(await page.page.getByTestId('savvysolve-meet-error').count()).toBe(0);
    signedOutPage = page;
  });

  it('signs in through launchWebAuthFlow against the authorization endpoint', async () => {
    panel = await SidePanel.open(browser);
    await panel.signInButton.waitFor();
    // The silent sign-in was tried (no Google account in the browser yet), and is not shown as an error.
    expect(stack.emulators.google.requests('authorize').some((request) => request.query.prompt === 'none')).toBe(true);
    expect(await panel.page.getByTestId('sign-in-problem').count()).toBe(0);
    stack.emulators.google.setSignedInUser(ADA.email);
    await panel.signIn();
    expect(await panel.accountName.textContent()).toBe(ADA.name);

    // The session page left open swaps its sign-in control for the button (Ada's own session).
    await signedOutPage!.meetButton.waitFor({ state: 'visible' });
    expect(await signedOutPage!.signInControl.count()).toBe(0);
    expect(await signedOutPage!.hostCount()).toBe(1);
    await signedOutPage!.page.close();

    const { query } = stack.emulators.google.requests('authorize').at(-1)!;
    expect(query).toMatchObject({
      client_id: OAUTH_CLIENT_ID,
      redirect_uri: `https://${browser.extensionId}.chromiumapp.org/`,
      response_type: 'token',
    });
    expect(requestCount(stack.logs, '/api/auth/session')).toBeGreaterThan(0);
  });

  it('shows the button for an employed solver once the late header renders, and page CSS cannot hide it', async () => {
    const page = await SessionPage.open(browser.context, stack.fixture.url, sessions.first, [sessions.outage]);
    await page.meetButton.waitFor({ state: 'visible' });
    expect(await page.buttonText()).toBe('Start Google Meet');
    expect(await page.hostCount()).toBe(1);
    // The fixture's CSS hides every <button> and upper-cases the header; inside the shadow root it cannot.
    const button = await page.meetButton.evaluate((element) => {
      const style = getComputedStyle(element);
      return { display: style.display, background: style.backgroundColor, fontSize: style.fontSize, textTransform: style.textTransform };
    });
    // `flex`: a flex item of the button's own inline-flex row, not the page's `display: none !important`.
    expect(button).toEqual({ display: 'flex', background: 'rgb(26, 115, 232)', fontSize: '13px', textTransform: 'none' });
    // The host survives `savvysolve-meet-button { display: none !important; opacity: 0 !important }` (a flex item: `flex`).
    expect(
      await page.page
        .locator('savvysolve-meet-button')
        .evaluate((host) => [getComputedStyle(host).display, getComputedStyle(host).opacity]),
    ).toEqual(['flex', '1']);
    await page.header.screenshot({ path: `${ARTIFACTS_DIR}/meet-button-start.png` });
    await page.page.close();
  });

  it('shows no button on another solver’s session page, while the solver’s own gets it', async () => {
    const asked = () => requestCount(stack.logs, `/api/sessions/${sessions.barbara}`);
    const foreign = await SessionPage.open(browser.context, stack.fixture.url, sessions.barbara, [sessions.first]);
    await foreign.header.waitFor();
    // The content script asked the backend for this one session (404: not Ada's) and was told no.
    await eventually(() => asked() === 1, 'the per-session check');
    // A second tab on the same session within the background's cache (15 s) costs no second request.
    const second = await SessionPage.open(browser.context, stack.fixture.url, sessions.barbara);
    await second.header.waitFor();
    await new Promise((resolve) => setTimeout(resolve, 500));
    for (const page of [foreign, second]) {
      expect(await page.hostCount()).toBe(0);
      expect(await page.meetButton.count()).toBe(0);
      expect(await page.signInControl.count()).toBe(0);
    }
    expect(asked()).toBe(1);
    await second.page.close();

    // SPA navigation to Ada's own session: the button comes; back to Barbara's: it goes.
    await foreign.goToSession(sessions.first);
    await foreign.meetButton.waitFor({ state: 'visible' });
    expect(await foreign.hostCount()).toBe(1);
    await foreign.page.goBack();
    await eventually(async () => (await foreign.hostCount()) === 0, 'the button to go on Barbara’s session');
    await foreign.page.close();
  });

  it('creates the Meet on the first click (keyboard), opens it in a new tab, texts the customer once', async () => {
    const page = await SessionPage.open(browser.context, stack.fixture.url, sessions.first, [sessions.outage]);
    await page.meetButton.waitFor({ state: 'visible' });
    await page.meetButton.focus();
    const opened = nextTab(browser.context);
    await page.page.keyboard.press('Enter');
    const meetTab = await opened;
    await meetTab.waitForLoadState();

    expect(meetTab.url()).toMatch(new RegExp(`^${stack.emulators.google.meetBaseUrl}/[a-z]{3}-[a-z]{4}-[a-z]{3}$`));
    expect(await meetTab.evaluate(() => [window.opener, document.referrer])).toEqual([null, '']);
    expect(stack.emulators.google.calendar.insertCount()).toBe(1);
    const sms = await eventually(() => {
      const sent = stack.emulators.twilio.messages().filter((message) => message.to === PHONE);
      return sent.length > 0 && sent;
    }, 'the customer SMS');
    expect(sms).toHaveLength(1);
    expect(sms[0]!.body).toBe(meetSmsBody(ADA.name, meetTab.url()));

    await eventually(async () => (await page.buttonText()).includes('Open Meet'), 'the button to read "Open Meet"');
    expect(await page.meetButton.getAttribute('aria-describedby')).toBeTruthy();
    await page.page.bringToFront();
    await page.header.screenshot({ path: `${ARTIFACTS_DIR}/meet-button-open.png` });
    await meetTab.close();

    // A later click reopens the same room: no second event, no second SMS.
    const reopened = nextTab(browser.context);
    await page.meetButton.click();
    const again = await reopened;
    expect(again.url()).toBe(sms[0]!.body.split('Join here: ')[1]);
    expect(stack.emulators.google.calendar.insertCount()).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(stack.emulators.twilio.messages().filter((message) => message.to === PHONE)).toHaveLength(1);
    await again.close();
    await page.page.close();
  });

  it('follows an SPA navigation to another session with exactly one button, and falls back plainly when Calendar is down', async () => {
    // meet.google.com is not reachable here: answer it locally so the fallback tab has a page.
    await browser.context.route('https://meet.google.com/**', (route) =>
      route.fulfill({ contentType: 'text/html', body: '<title>Google Meet (stand-in)</title><h1>New meeting</h1>' }),
    );
    const page = await SessionPage.open(browser.context, stack.fixture.url, sessions.first, [sessions.outage]);
    await eventually(async () => (await page.meetButton.isVisible()) && (await page.buttonText()).includes('Open Meet'), 'Open Meet');
    await page.goToSession(sessions.outage);
    await eventually(
      async () => (await page.meetButton.isVisible()) && (await page.buttonText()) === 'Start Google Meet',
      'the new session’s button',
    );
    expect(await page.hostCount()).toBe(1);

    stack.emulators.google.faults.set('events.insert', { status: 503, times: 10 });
    const opened = nextTab(browser.context);
    await page.meetButton.click();
    const fallbackTab = await opened;
    // The tab's own URL, as Chrome holds it (the page itself may be an error page: no network here).
    const tabUrls = await browser.evaluate(async () => (await chrome.tabs.query({})).map((tab) => tab.pendingUrl ?? tab.url), undefined);
    expect(tabUrls).toContain(FALLBACK_MEET_LINK);
    await page.notice.waitFor({ state: 'visible' });
    expect(await page.notice.textContent()).toBe('Calendar unavailable — a new Meet was opened; the customer was not texted');
    expect(await page.buttonText()).toBe('Start Google Meet');
    await page.page.bringToFront();
    await page.header.screenshot({ path: `${ARTIFACTS_DIR}/meet-button-fallback.png` });
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(stack.emulators.twilio.messages().filter((message) => message.to === FALLBACK_PHONE)).toEqual([]);
    expect(stack.emulators.google.calendar.insertCount()).toBe(1);
    stack.emulators.clearFaults();

    // Meet sends /new on to a real room: the extension hands that room to the backend, which texts it then.
    const room = 'https://meet.google.com/abc-defg-hij';
    await fallbackTab.goto(room);
    const sms = await eventually(
      () => stack.emulators.twilio.messages().find((message) => message.to === FALLBACK_PHONE),
      'the captured room SMS',
    );
    expect(sms.body).toBe(meetSmsBody(ADA.name, room));
    await eventually(async () => (await page.buttonText()).includes('Open Meet'), 'the button to pick up the captured room');
    await fallbackTab.close();
    await page.page.close();
    await browser.context.unroute('https://meet.google.com/**');
  });

  it('opens a tab at once on "Starting your Google Meet…" and sends it to the room when Calendar answers', async () => {
    const adaId = (await stack.api.call('GET', '/api/admin/solvers', { token: 'admin-token-for-tests-0123456789' })).body.solvers.find(
      (solver: { email: string }) => solver.email === ADA.email,
    ).id;
    const sessionId = await stack.api.createSession({ solverId: adaId, customerName: 'Ada Byron', customerPhone: '+14155550126' });
    const page = await SessionPage.open(browser.context, stack.fixture.url, sessionId);
    await page.meetButton.waitFor({ state: 'visible' });
    stack.emulators.google.faults.set('events.insert', { latencyMs: 1_500, times: 1 });
    const opened = browser.context.waitForEvent('page', { timeout: 15_000 });
    await page.meetButton.click();
    const tab = await opened;
    await tab.waitForURL((url) => url.pathname.endsWith('/meet-start.html'), { timeout: 5_000 });
    await tab.getByRole('heading', { name: 'Starting your Google Meet…' }).waitFor();
    // The tab is there while Calendar is still thinking (held 1.5 s here): no link is stored yet.
    expect((await stack.api.adminSession(sessionId)).body.meetLink).toBeNull();
    await tab.screenshot({ path: `${ARTIFACTS_DIR}/meet-starting-tab.png` });
    await tab.waitForURL(new RegExp(`^${stack.emulators.google.meetBaseUrl}/[a-z]{3}-[a-z]{4}-[a-z]{3}$`), { timeout: 15_000 });
    await tab.close();
    await page.page.close();
  });

  it('never shows the button to a contract solver', async () => {
    await panel.page.bringToFront();
    await panel.signOut();
    stack.emulators.google.setSignedInUser(CARL.email);
    await panel.signIn();
    expect(await panel.accountName.textContent()).toBe(CARL.name);
    await panel.notEligible.waitFor();
    expect(await panel.notEligible.textContent()).toContain('Google Meet is only available for employed solvers');

    const canUseBefore = requestCount(stack.logs, '/api/meet/can-use');
    const page = await SessionPage.open(browser.context, stack.fixture.url, sessions.carl);
    await page.header.waitFor();
    // The content script asked canUseMeet for this page and was told no.
    await eventually(() => requestCount(stack.logs, '/api/meet/can-use') > canUseBefore, 'the canUseMeet check');
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await page.hostCount()).toBe(0);
    expect(await page.meetButton.count()).toBe(0);
    await page.page.close();
  });
});
