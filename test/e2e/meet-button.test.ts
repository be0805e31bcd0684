/// <reference types="chrome" />
import { mkdirSync } from 'node:fs';
import { FALLBACK_MEET_LINK, meetSmsBody } from '../../shared/index.ts';
import { SessionPage } from './pages/session-page.ts';
import { RealSidePanel, SidePanel } from './pages/side-panel.ts';
import { ADA, CARL, OAUTH_CLIENT_ID, requestCount } from './support/e2e-stack.ts';
import { ARTIFACTS_DIR, nextTab } from './support/extension-browser.ts';
import { expect, test } from './support/fixtures.ts';

/** Screenshots go with the other artifacts, or where E2E_SHOTS_DIR says (e.g. /tmp/shots). */
const SHOTS_DIR = process.env.E2E_SHOTS_DIR ?? ARTIFACTS_DIR;
const PHONE = '+14155550123';
const BARBARA = { name: 'Barbara Liskov', email: 'barbara@example.com' };
const FALLBACK_PHONE = '+14155550124';

test.use({ suite: { name: 'meet-button' } });
test.describe.configure({ mode: 'serial' });

let panel: SidePanel;
let adaId: string;
const sessions = { first: '', outage: '', carl: '', barbara: '' };
/** The session page left open while signed out: it must swap its sign-in control for the button at sign-in. */
let signedOutPage: SessionPage | undefined;

test.beforeAll(async ({ stack }) => {
  mkdirSync(SHOTS_DIR, { recursive: true });
  adaId = await stack.api.createSolver({ ...ADA, employment: 'employed', googleEmail: ADA.email });
  const carlId = await stack.api.createSolver({ ...CARL, employment: 'contract' });
  sessions.first = await stack.api.createSession({ solverId: adaId, customerName: 'Grace Hopper', customerPhone: PHONE });
  sessions.outage = await stack.api.createSession({ solverId: adaId, customerName: 'Alan Turing', customerPhone: FALLBACK_PHONE });
  sessions.carl = await stack.api.createSession({ solverId: carlId, customerName: 'Edsger Dijkstra', customerPhone: '+14155550125' });
  // Another employed solver's session: Ada may use Meet, but not on it.
  const barbaraId = await stack.api.createSolver({ ...BARBARA, employment: 'employed', googleEmail: BARBARA.email });
  sessions.barbara = await stack.api.createSession({ solverId: barbaraId, customerName: 'Frances Allen', customerPhone: '+14155550127' });
  // No Google account in the browser yet: silent sign-in attempts fail until the test "signs in". (The browser is
  // launched with the first test that asks for it, after this.)
  stack.emulators.google.setSignedInUser(undefined);
});

const smsTo = (stack: { emulators: { twilio: { messages(): { to: string; body: string }[] } } }, phone: string) =>
  stack.emulators.twilio.messages().filter((message) => message.to === phone);

test.describe('the Start Google Meet button in real Chromium', () => {
  test('signed out, puts a quiet "Sign in to start a video call" on the session page, which opens the side panel', async ({
    stack,
    extension,
    context,
    extensionId,
  }) => {
    const page = await SessionPage.open(context, stack.fixture.url, sessions.first);
    await expect(page.signInControl).toBeVisible({ timeout: 20_000 });
    await expect(page.signInControl).toHaveText('Sign in to start a video call');
    await expect(page.meetButton).toHaveCount(0);
    expect(await page.hostCount()).toBe(1);
    await page.header.screenshot({ path: `${SHOTS_DIR}/meet-button-signed-out.png` });

    expect(await RealSidePanel.find(page.page, extensionId)).toBeUndefined();
    // A real click: chrome.sidePanel.open needs the user gesture, carried by the message to the background.
    await page.signInControl.click();
    let real: RealSidePanel | undefined;
    await expect
      .poll(async () => (real = await RealSidePanel.find(page.page, extensionId)) !== undefined, { message: 'the side panel to open' })
      .toBe(true);
    try {
      await expect.poll(() => real!.text(), { message: 'the side panel app in the panel' }).toContain('Sign in with Google');
      await real!.screenshot(`${SHOTS_DIR}/side-panel-opened-from-page.png`);
    } finally {
      await real!.close();
    }
    const panels = await extension.evaluate(
      () => chrome.runtime.getContexts({ contextTypes: ['SIDE_PANEL' as chrome.runtime.ContextType] }),
      undefined,
    );
    expect(panels.map((context) => new URL(context.documentUrl!).pathname)).toEqual(['/sidepanel.html']);
    await expect(page.page.getByTestId('savvysolve-meet-error')).toHaveCount(0);
    signedOutPage = page;
  });

  test('signs in through launchWebAuthFlow against the authorization endpoint', async ({ stack, extension, extensionId }) => {
    panel = await SidePanel.open(extension);
    await expect(panel.signInButton).toBeVisible();
    // The silent sign-in was tried (no Google account in the browser yet), and is not shown as an error.
    expect(stack.emulators.google.requests('authorize').some((request) => request.query.prompt === 'none')).toBe(true);
    await expect(panel.page.getByTestId('sign-in-problem')).toHaveCount(0);
    stack.emulators.google.setSignedInUser(ADA.email);
    await panel.signIn();
    await expect(panel.accountName).toHaveText(ADA.name);

    // The session page left open swaps its sign-in control for the button (Ada's own session).
    await expect(signedOutPage!.meetButton).toBeVisible();
    await expect(signedOutPage!.signInControl).toHaveCount(0);
    expect(await signedOutPage!.hostCount()).toBe(1);
    await signedOutPage!.page.close();

    const { query } = stack.emulators.google.requests('authorize').at(-1)!;
    expect(query).toMatchObject({
      client_id: OAUTH_CLIENT_ID,
      redirect_uri: `https://${extensionId}.chromiumapp.org/`,
      response_type: 'token',
    });
    expect(requestCount(stack.logs, '/api/auth/session')).toBeGreaterThan(0);
  });

  test('shows the button for an employed solver once the late header renders, and page CSS cannot hide it', async ({ stack, context }) => {
    const page = await SessionPage.open(context, stack.fixture.url, sessions.first, [sessions.outage]);
    await expect(page.meetButton).toBeVisible();
    await expect(page.meetButton).toHaveText('Start Google Meet');
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

  test('shows no button on another solver’s session page, while the solver’s own gets it', async ({ stack, context }) => {
    const asked = () => requestCount(stack.logs, `/api/sessions/${sessions.barbara}`);
    const barbaraPath = `/sessions/${sessions.barbara}`;
    const foreign = await SessionPage.open(context, stack.fixture.url, sessions.barbara, [sessions.first]);
    await expect(foreign.header).toBeVisible();
    // The content script asked the backend for this one session (404: not Ada's) and was told no.
    await expect.poll(asked, { message: 'the per-session check' }).toBe(1);
    // A second tab on the same session within the background's cache (15 s) costs no second request.
    const second = await SessionPage.open(context, stack.fixture.url, sessions.barbara, [sessions.first]);
    await expect(second.header).toBeVisible();

    // The content script checks one page state at a time, so once the button shows for Ada's own session (SPA
    // navigation), its check of Barbara's has been answered: no host was ever put on her page, and no second request.
    for (const page of [second, foreign]) {
      await page.goToSession(sessions.first);
      await expect(page.meetButton).toBeVisible();
      expect(await page.hostCount()).toBe(1);
      expect((await page.hostsAdded()).filter((path) => path === barbaraPath)).toEqual([]);
    }
    expect(asked()).toBe(1);
    await second.page.close();

    // Back to Barbara's: the button goes.
    await foreign.page.goBack();
    await expect(foreign.page.locator('savvysolve-meet-button')).toHaveCount(0);
    await foreign.page.close();
  });

  test('creates the Meet on the first click (keyboard), opens it in a new tab, texts the customer once', async ({ stack, context }) => {
    const page = await SessionPage.open(context, stack.fixture.url, sessions.first, [sessions.outage]);
    await expect(page.meetButton).toBeVisible();
    await page.meetButton.focus();
    const opened = nextTab(context);
    await page.page.keyboard.press('Enter');
    const meetTab = await opened;
    await meetTab.waitForLoadState();

    expect(meetTab.url()).toMatch(new RegExp(`^${stack.emulators.google.meetBaseUrl}/[a-z]{3}-[a-z]{4}-[a-z]{3}$`));
    expect(await meetTab.evaluate(() => [window.opener, document.referrer])).toEqual([null, '']);
    expect(stack.emulators.google.calendar.insertCount()).toBe(1);
    await expect.poll(() => smsTo(stack, PHONE).length, { message: 'the customer SMS' }).toBeGreaterThan(0);
    const sms = smsTo(stack, PHONE);
    expect(sms).toHaveLength(1);
    expect(sms[0]!.body).toBe(meetSmsBody(ADA.name, meetTab.url()));

    await expect(page.meetButton).toContainText('Open Meet');
    await expect(page.meetButton).toHaveAttribute('aria-describedby', /.+/);
    await page.page.bringToFront();
    await page.header.screenshot({ path: `${ARTIFACTS_DIR}/meet-button-open.png` });
    await meetTab.close();

    // A later click reopens the same room: no second event, no second SMS — the background opened the tab without
    // asking the backend for a link again (the one request logged is the first click's).
    const reopened = nextTab(context);
    await page.meetButton.click();
    const again = await reopened;
    expect(again.url()).toBe(sms[0]!.body.split('Join here: ')[1]);
    expect(stack.emulators.google.calendar.insertCount()).toBe(1);
    expect(requestCount(stack.logs, '/api/meet/links')).toBe(1);
    expect(smsTo(stack, PHONE)).toHaveLength(1);
    await again.close();
    await page.page.close();
  });

  test('follows an SPA navigation to another session with exactly one button, and falls back plainly when Calendar is down', async ({
    stack,
    extension,
    context,
  }) => {
    // meet.google.com is not reachable here: answer it locally so the fallback tab has a page.
    await context.route('https://meet.google.com/**', (route) =>
      route.fulfill({ contentType: 'text/html', body: '<title>Google Meet (stand-in)</title><h1>New meeting</h1>' }),
    );
    const page = await SessionPage.open(context, stack.fixture.url, sessions.first, [sessions.outage]);
    await expect(page.meetButton).toContainText('Open Meet');
    await page.goToSession(sessions.outage);
    await expect(page.meetButton).toHaveText('Start Google Meet');
    expect(await page.hostCount()).toBe(1);

    stack.emulators.google.faults.set('events.insert', { status: 503, times: 10 });
    const opened = nextTab(context);
    await page.meetButton.click();
    const fallbackTab = await opened;
    // The tab's own URL, as Chrome holds it (the page itself may be an error page: no network here).
    const tabUrls = await extension.evaluate(async () => (await chrome.tabs.query({})).map((tab) => tab.pendingUrl ?? tab.url), undefined);
    expect(tabUrls).toContain(FALLBACK_MEET_LINK);
    await expect(page.notice).toHaveText('Calendar unavailable — a new Meet was opened; the customer was not texted');
    await expect(page.meetButton).toHaveText('Start Google Meet');
    await page.page.bringToFront();
    await page.header.screenshot({ path: `${ARTIFACTS_DIR}/meet-button-fallback.png` });
    expect(smsTo(stack, FALLBACK_PHONE)).toEqual([]);
    expect(stack.emulators.google.calendar.insertCount()).toBe(1);
    stack.emulators.clearFaults();

    // Meet sends /new on to a real room: the extension hands that room to the backend, which texts it then.
    const room = 'https://meet.google.com/abc-defg-hij';
    await fallbackTab.goto(room);
    await expect.poll(() => smsTo(stack, FALLBACK_PHONE).length, { message: 'the captured room SMS' }).toBeGreaterThan(0);
    // The one SMS is the captured room's: nothing was sent while Calendar was down (it would have come first).
    expect(smsTo(stack, FALLBACK_PHONE).map((message) => message.body)).toEqual([meetSmsBody(ADA.name, room)]);
    await expect(page.meetButton).toContainText('Open Meet');
    await fallbackTab.close();
    await page.page.close();
    await context.unroute('https://meet.google.com/**');
  });

  test('opens a tab at once on "Starting your Google Meet…" and sends it to the room when Calendar answers', async ({ stack, context }) => {
    const sessionId = await stack.api.createSession({ solverId: adaId, customerName: 'Ada Byron', customerPhone: '+14155550126' });
    const page = await SessionPage.open(context, stack.fixture.url, sessionId);
    await expect(page.meetButton).toBeVisible();
    stack.emulators.google.faults.set('events.insert', { latencyMs: 1_500, times: 1 });
    const opened = context.waitForEvent('page', { timeout: 15_000 });
    await page.meetButton.click();
    const tab = await opened;
    await tab.waitForURL((url) => url.pathname.endsWith('/meet-start.html'), { timeout: 5_000 });
    await expect(tab.getByRole('heading', { name: 'Starting your Google Meet…' })).toBeVisible();
    // The tab is there while Calendar is still thinking (held 1.5 s here): no link is stored yet.
    expect((await stack.api.adminSession(sessionId)).body.meetLink).toBeNull();
    await tab.screenshot({ path: `${ARTIFACTS_DIR}/meet-starting-tab.png` });
    await tab.waitForURL(new RegExp(`^${stack.emulators.google.meetBaseUrl}/[a-z]{3}-[a-z]{4}-[a-z]{3}$`), { timeout: 15_000 });
    await tab.close();
    await page.page.close();
  });

  test('never shows the button to a contract solver', async ({ stack, context }) => {
    await panel.page.bringToFront();
    await panel.signOut();
    stack.emulators.google.setSignedInUser(CARL.email);
    await panel.signIn();
    await expect(panel.accountName).toHaveText(CARL.name);
    await expect(panel.notEligible).toContainText('Google Meet is only available for employed solvers');

    const canUseBefore = requestCount(stack.logs, '/api/meet/can-use');
    const page = await SessionPage.open(context, stack.fixture.url, sessions.carl);
    await expect(page.header).toBeVisible();
    // The content script asked canUseMeet for this page and was told no.
    await expect
      .poll(() => requestCount(stack.logs, '/api/meet/can-use'), { message: 'the canUseMeet check' })
      .toBeGreaterThan(canUseBefore);
    // Signed out, the page asks again and shows the sign-in control: its checks run one at a time, so the one that
    // told Carl no had finished — and the sign-in control is the only host the page ever got.
    await panel.page.bringToFront();
    await panel.signOut();
    await expect(page.signInControl).toBeVisible({ timeout: 20_000 });
    expect(await page.hostsAdded()).toHaveLength(1);
    await expect(page.meetButton).toHaveCount(0);
    await page.page.close();
  });
});
