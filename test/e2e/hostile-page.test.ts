/// <reference types="chrome" />
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ContentScriptWorld } from './pages/content-script-world.ts';
import { SessionPage } from './pages/session-page.ts';
import { SidePanel } from './pages/side-panel.ts';
import { ADA, eventually, startE2EStack, type E2EStack, settingsFor } from './support/e2e-stack.ts';
import { ARTIFACTS_DIR, configureExtension, launchExtensionBrowser, nextTab, type ExtensionBrowser } from './support/extension-browser.ts';

/** Screenshots go with the other artifacts, or where E2E_SHOTS_DIR says (e.g. /tmp/shots). */
const SHOTS_DIR = process.env.E2E_SHOTS_DIR ?? ARTIFACTS_DIR;

/** A server the hostile page would like tokens sent to: it records every request it gets, and answers 503. */
async function startForeignServer() {
  const requests: { method: string; path: string; authorization?: string; body: string }[] = [];
  const server: Server = createServer((request: IncomingMessage, response) => {
    let body = '';
    request.on('data', (chunk) => (body += chunk));
    request.on('end', () => {
      requests.push({ method: request.method ?? '', path: request.url ?? '', authorization: request.headers.authorization, body });
      response
        .writeHead(503, { 'content-type': 'application/json' })
        .end('{"error":{"code":"unavailable","message":"This server is not a SavvySolve Meet backend."}}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

const BARBARA = { name: 'Barbara Liskov', email: 'barbara@example.com' };
const FORBIDDEN = { ok: false, error: { code: 'forbidden' } };

describe('a hostile session page (code in the content script’s world) against the extension', () => {
  let stack: E2EStack;
  let browser: ExtensionBrowser;
  let foreign: Awaited<ReturnType<typeof startForeignServer>>;
  let panel: SidePanel;
  let page: SessionPage;
  let world: ContentScriptWorld;
  const sessions = { own: '', other: '', barbara: '' };

  beforeAll(async () => {
    mkdirSync(SHOTS_DIR, { recursive: true });
    stack = await startE2EStack();
    foreign = await startForeignServer();
    const adaId = await stack.api.createSolver({ ...ADA, employment: 'employed', googleEmail: ADA.email });
    sessions.own = await stack.api.createSession({ solverId: adaId, customerName: 'Grace Hopper', customerPhone: '+14155550123' });
    // Ada's other customer: what `sessions.list` would leak to the page.
    sessions.other = await stack.api.createSession({ solverId: adaId, customerName: 'Katherine Johnson', customerPhone: '+14155550131' });
    const barbaraId = await stack.api.createSolver({ ...BARBARA, employment: 'employed', googleEmail: BARBARA.email });
    sessions.barbara = await stack.api.createSession({ solverId: barbaraId, customerName: 'Frances Allen', customerPhone: '+14155550132' });

    browser = await launchExtensionBrowser();
    await configureExtension(browser, settingsFor(stack), 'http://127.0.0.1/*');
    panel = await SidePanel.open(browser);
    // Configuring the backend signs in silently when Google answers at once; otherwise the solver clicks.
    await panel.signInButton.or(panel.accountName).waitFor();
    if (await panel.signInButton.isVisible()) await panel.signIn();
    await panel.accountName.waitFor();

    page = await SessionPage.open(browser.context, stack.fixture.url, sessions.own);
    await page.meetButton.waitFor({ state: 'visible' });
    world = await ContentScriptWorld.attach(page.page, browser.extensionId);
  });

  afterAll(async () => {
    await world?.close();
    await browser?.close();
    await foreign?.close();
    await stack?.close();
  });

  it('gets no session list, no sign-in or sign-out, nothing about another session', async () => {
    const listed = await world.ask('sessions.list');
    expect(listed).toMatchObject({ value: FORBIDDEN });
    expect(JSON.stringify(listed)).not.toContain('Katherine Johnson');
    for (const [type, payload] of [
      ['auth.get', undefined],
      ['auth.signIn', { interactive: false }],
      ['auth.signOut', undefined],
      ['meet.resendSms', { sessionId: sessions.own }],
      ['realtime.tokenRequest', undefined],
      ['backend.health', undefined],
      ['sessions.get', { sessionId: sessions.other }],
      ['meet.start', { sessionId: sessions.other }],
    ] as const) {
      expect(await world.ask(type, payload), type).toMatchObject({ value: FORBIDDEN });
    }
    // What the button needs still answers: its own session (with its customer) and whether Meet may be used.
    expect(await world.ask('sessions.get', { sessionId: sessions.own })).toMatchObject({
      value: { ok: true, value: { id: sessions.own, customerName: 'Grace Hopper' } },
    });
    expect(await world.ask('meet.canUse')).toEqual({ value: { ok: true, value: { canUse: true } } });
    // The refused sign-out did nothing.
    await panel.page.reload();
    await panel.accountName.waitFor();
    expect(await panel.card('Katherine Johnson').count()).toBe(1);
  });

  it('cannot forge a broadcast to the extension’s pages (a fake session list or sign-in state)', async () => {
    // A content script's runtime.sendMessage reaches every extension page: count what reaches the side panel.
    await panel.page.evaluate(() => {
      const seen = window as unknown as { forgedSeen: number };
      seen.forgedSeen = 0;
      chrome.runtime.onMessage.addListener(
        (message: { kind?: string }) => void (message?.kind === 'savvysolve.broadcast' && seen.forgedSeen++),
      );
    });
    const forged = [
      { event: 'sessions.changed', sessions: [{ id: sessions.other, customerName: 'Mallory Forged', customerPhone: '+14155550199' }] },
      { event: 'auth.changed', state: { status: 'signed_out', problem: { code: 'forged', message: 'Forged by the page' } } },
    ];
    for (const broadcast of forged) {
      await world.evaluate((message) => chrome.runtime.sendMessage(message).catch(() => undefined), {
        kind: 'savvysolve.broadcast',
        broadcast,
      });
    }
    // Both reached the panel's document (so the app's listener ran on them too), and changed nothing there.
    await eventually(
      () => panel.page.evaluate(() => (window as unknown as { forgedSeen: number }).forgedSeen === 2),
      'the forged messages',
    );
    await panel.page.evaluate(() => new Promise((resolve) => setTimeout(resolve, 50)));
    expect(await panel.accountName.isVisible()).toBe(true);
    expect(await panel.page.getByText('Mallory Forged').count()).toBe(0);
    expect(await panel.page.getByText('Forged by the page').count()).toBe(0);
    expect(await panel.card('Grace Hopper').count()).toBe(1);
  });

  it('cannot open a URL of its choosing: meet.open opens only the session’s stored Meet link, and the button still works', async () => {
    const tabsBefore = browser.context.pages().length;
    // Before the session has a link there is nothing to open, whatever URL comes along.
    expect(await world.ask('meet.open', { sessionId: sessions.own, url: `${foreign.url}/phish` })).toMatchObject({
      value: { ok: false, error: { code: 'no_link' } },
    });
    for (const sessionId of [sessions.other, sessions.barbara]) {
      expect(await world.ask('meet.open', { sessionId, url: `${foreign.url}/phish` })).toMatchObject({ value: FORBIDDEN });
    }
    expect(browser.context.pages()).toHaveLength(tabsBefore);

    // The page's legitimate button: a real click creates the room and opens it.
    const opened = nextTab(browser.context);
    await page.meetButton.click();
    const room = await opened;
    expect(room.url()).toMatch(new RegExp(`^${stack.emulators.google.meetBaseUrl}/[a-z]{3}-[a-z]{4}-[a-z]{3}$`));
    await room.close();
    await eventually(async () => (await page.buttonText()).includes('Open Meet'), 'the button to read "Open Meet"');
    await page.header.screenshot({ path: `${SHOTS_DIR}/hostile-page-button-still-works.png` });

    // Now meet.open opens that stored room, still not the URL the page passed.
    const reopened = nextTab(browser.context);
    expect(await world.ask('meet.open', { sessionId: sessions.own, url: `${foreign.url}/phish` })).toEqual({ value: { ok: true } });
    const again = await reopened;
    expect(again.url()).toBe(room.url());
    await again.close();
    expect(foreign.requests).toEqual([]);
  });

  it('cannot read or write extension storage: the backend URL stays, and no token reaches a foreign server', async () => {
    const settingsBefore = await browser.evaluate(() => chrome.storage.local.get(['backendUrl', 'authorizationEndpoint']), undefined);
    const write = await world.evaluate(
      (url) => chrome.storage.local.set({ backendUrl: url, authorizationEndpoint: `${url}/o/oauth2/v2/auth` }),
      foreign.url,
    );
    expect(write).toMatchObject({ threw: expect.stringMatching(/storage|access|context/i) });
    // The backend token lives in storage.session: closed to content scripts as well.
    expect(await world.evaluate(() => chrome.storage.local.get(null), undefined)).toHaveProperty('threw');
    expect(await world.evaluate(() => chrome.storage.session.get(null), undefined)).toHaveProperty('threw');
    expect(await browser.evaluate(() => chrome.storage.local.get(['backendUrl', 'authorizationEndpoint']), undefined)).toEqual(
      settingsBefore,
    );

    // Everything that sends tokens still goes to the configured backend: the button's checks, the panel's list.
    expect(await world.ask('meet.canUse')).toEqual({ value: { ok: true, value: { canUse: true } } });
    await page.page.reload();
    await page.meetButton.waitFor({ state: 'visible' });
    expect(await page.buttonText()).toContain('Open Meet');
    await panel.page.reload();
    await panel.card('Grace Hopper').waitFor();
    await panel.page.screenshot({ path: `${SHOTS_DIR}/hostile-page-side-panel-after.png` });
    expect(foreign.requests).toEqual([]);
  });

  it('drops the sign-in session when an admin changes the backend URL: its token never goes to the new backend', async () => {
    const { auth } = await browser.evaluate(() => chrome.storage.session.get('auth'), undefined);
    const token = (auth as { session: { token: string } }).session.token;
    // The options page (an extension page) may change it; the session issued by the old backend must not follow.
    await browser.evaluate((url) => chrome.storage.local.set({ backendUrl: url }), foreign.url);
    await eventually(() => foreign.requests.length > 0, 'the extension to sign in to the new backend');
    await panel.page.reload();
    await panel.signInButton.waitFor();
    await panel.page.screenshot({ path: `${SHOTS_DIR}/hostile-page-side-panel-backend-changed.png` });
    expect(foreign.requests.map((request) => request.path)).toContain('/api/auth/session');
    expect(foreign.requests.filter((request) => request.authorization?.includes(token) || request.body.includes(token))).toEqual([]);
  });
});
