/// <reference types="chrome" />
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdirSync } from 'node:fs';
import type { Page } from '@playwright/test';
import { ContentScriptWorld } from './pages/content-script-world.ts';
import { SessionPage } from './pages/session-page.ts';
import { SidePanel } from './pages/side-panel.ts';
import { ADA } from './support/e2e-stack.ts';
import { ARTIFACTS_DIR, nextTab } from './support/extension-browser.ts';
import { expect, test } from './support/fixtures.ts';

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
/** What the forged broadcasts would put on the side panel, were they believed. */
const FORGED_TEXTS = ['Mallory Forged', 'Forged by the page'];

/**
 * Runs in the side panel: notes every piece of `texts` that ever appears in it from now on (added nodes, changed
 * text), so a forged render that came and went is caught too, not only one still showing.
 */
function recordTextsShown(texts: string[]) {
  const shown: string[] = [];
  (window as unknown as { savvysolveTextsShown: string[] }).savvysolveTextsShown = shown;
  const note = (text: string | null) => texts.filter((wanted) => text?.includes(wanted)).forEach((found) => shown.push(found));
  new MutationObserver((records) => {
    for (const record of records) {
      if (record.type === 'characterData') note(record.target.textContent);
      for (const node of record.addedNodes) note(node.textContent);
    }
  }).observe(document.body, { childList: true, characterData: true, subtree: true });
}

test.use({ suite: { name: 'hostile-page' } });
test.describe.configure({ mode: 'serial' });

let foreign: Awaited<ReturnType<typeof startForeignServer>>;
let panel: SidePanel;
let page: SessionPage;
let world: ContentScriptWorld;
let adaId: string;
const sessions = { own: '', other: '', barbara: '' };

test.beforeAll(async ({ stack }) => {
  mkdirSync(SHOTS_DIR, { recursive: true });
  foreign = await startForeignServer();
  adaId = await stack.api.createSolver({ ...ADA, employment: 'employed', googleEmail: ADA.email });
  sessions.own = await stack.api.createSession({ solverId: adaId, customerName: 'Grace Hopper', customerPhone: '+14155550123' });
  // Ada's other customer: what `sessions.list` would leak to the page.
  sessions.other = await stack.api.createSession({ solverId: adaId, customerName: 'Katherine Johnson', customerPhone: '+14155550131' });
  const barbaraId = await stack.api.createSolver({ ...BARBARA, employment: 'employed', googleEmail: BARBARA.email });
  sessions.barbara = await stack.api.createSession({ solverId: barbaraId, customerName: 'Frances Allen', customerPhone: '+14155550132' });
});

test.beforeAll(async ({ stack, extension, context, extensionId }) => {
  panel = await SidePanel.open(extension);
  // Configuring the backend signs in silently when Google answers at once; otherwise the solver clicks.
  await expect(panel.signInButton.or(panel.accountName)).toBeVisible();
  if (await panel.signInButton.isVisible()) await panel.signIn();
  await expect(panel.accountName).toHaveText(ADA.name);

  page = await SessionPage.open(context, stack.fixture.url, sessions.own);
  await expect(page.meetButton).toBeVisible();
  world = await ContentScriptWorld.attach(page.page, extensionId);
});

test.afterAll(async () => {
  await world?.close();
  await foreign?.close();
});

test.describe('a hostile session page (code in the content script’s world) against the extension', () => {
  test('gets no session list, no sign-in or sign-out, nothing about another session', async () => {
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
    // The refused sign-out did nothing: a fresh panel still shows Ada, and her sessions.
    await panel.page.reload();
    await expect(panel.accountName).toHaveText(ADA.name);
    await expect(panel.card('Katherine Johnson')).toHaveCount(1);
    await expect(panel.signInButton).toHaveCount(0);
  });

  test('cannot forge a broadcast to the extension’s pages (a fake session list or sign-in state)', async ({ stack }) => {
    // A content script's runtime.sendMessage reaches every extension page: count what reaches the side panel, and
    // note anything forged the panel ever shows.
    const sentinel = 'Mary Jackson';
    await panel.page.evaluate(recordTextsShown, [...FORGED_TEXTS, sentinel]);
    await panel.page.evaluate(() => {
      const seen = window as unknown as { forgedSeen: number };
      seen.forgedSeen = 0;
      chrome.runtime.onMessage.addListener(
        (message: { kind?: string }) => void (message?.kind === 'savvysolve.broadcast' && seen.forgedSeen++),
      );
    });
    const forged = [
      { event: 'sessions.changed', sessions: [{ id: sessions.other, customerName: FORGED_TEXTS[0], customerPhone: '+14155550199' }] },
      { event: 'auth.changed', state: { status: 'signed_out', problem: { code: 'forged', message: FORGED_TEXTS[1] } } },
    ];
    for (const broadcast of forged) {
      await world.evaluate((message) => chrome.runtime.sendMessage(message).catch(() => undefined), {
        kind: 'savvysolve.broadcast',
        broadcast,
      });
    }
    // Both reached the panel's document, so the app's listener ran on them too (one dispatch calls every listener).
    await expect
      .poll(() => panel.page.evaluate(() => (window as unknown as { forgedSeen: number }).forgedSeen), { message: 'the forged messages' })
      .toBe(2);
    // A session assigned now reaches the panel by its next poll, an update that renders after any the forged messages
    // caused — and only while signed in: once it shows, whatever they did is on screen or was.
    await stack.api.createSession({ solverId: adaId, customerName: sentinel, customerPhone: '+14155550133' });
    await expect(panel.card(sentinel)).toBeVisible();
    await expect(panel.accountName).toHaveText(ADA.name);
    // The record saw the new session's render (so it sees renders), and nothing forged before it.
    const shown = await panel.page.evaluate(() => (window as unknown as { savvysolveTextsShown: string[] }).savvysolveTextsShown);
    expect([...new Set(shown)]).toEqual([sentinel]);
    for (const text of FORGED_TEXTS) await expect(panel.page.getByText(text)).toHaveCount(0);
    await expect(panel.card('Grace Hopper')).toHaveCount(1);
  });

  test('cannot open a URL of its choosing: meet.open opens only the session’s stored Meet link, and the button still works', async ({
    stack,
    context,
  }) => {
    // Every tab opened from here on: only the two below may appear.
    const tabsOpened: Page[] = [];
    const onTab = (tab: Page) => void tabsOpened.push(tab);
    context.on('page', onTab);
    const tabsBefore = context.pages().length;
    try {
      // Before the session has a link there is nothing to open, whatever URL comes along.
      expect(await world.ask('meet.open', { sessionId: sessions.own, url: `${foreign.url}/phish` })).toMatchObject({
        value: { ok: false, error: { code: 'no_link' } },
      });
      for (const sessionId of [sessions.other, sessions.barbara]) {
        expect(await world.ask('meet.open', { sessionId, url: `${foreign.url}/phish` })).toMatchObject({ value: FORBIDDEN });
      }
      expect(context.pages()).toHaveLength(tabsBefore);

      // The page's legitimate button: a real click creates the room and opens it.
      const opened = nextTab(context);
      await page.meetButton.click();
      const room = await opened;
      expect(room.url()).toMatch(new RegExp(`^${stack.emulators.google.meetBaseUrl}/[a-z]{3}-[a-z]{4}-[a-z]{3}$`));
      await room.close();
      await expect(page.meetButton).toContainText('Open Meet');
      await page.header.screenshot({ path: `${SHOTS_DIR}/hostile-page-button-still-works.png` });

      // Now meet.open opens that stored room, still not the URL the page passed.
      const reopened = nextTab(context);
      expect(await world.ask('meet.open', { sessionId: sessions.own, url: `${foreign.url}/phish` })).toEqual({ value: { ok: true } });
      const again = await reopened;
      expect(again.url()).toBe(room.url());
      await again.close();
      // The refused meet.open calls came first: had one opened a tab, it would be before these two.
      expect(tabsOpened).toHaveLength(2);
      expect(tabsOpened[0]).toBe(room);
      expect(tabsOpened[1]).toBe(again);
      expect(foreign.requests).toEqual([]);
    } finally {
      context.off('page', onTab);
    }
  });

  test('cannot read or write extension storage: the backend URL stays, and no token reaches a foreign server', async ({ extension }) => {
    const settingsBefore = await extension.evaluate(() => chrome.storage.local.get(['backendUrl', 'authorizationEndpoint']), undefined);
    const write = await world.evaluate(
      (url) => chrome.storage.local.set({ backendUrl: url, authorizationEndpoint: `${url}/o/oauth2/v2/auth` }),
      foreign.url,
    );
    expect(write).toMatchObject({ threw: expect.stringMatching(/storage|access|context/i) });
    // The backend token lives in storage.session: closed to content scripts as well.
    expect(await world.evaluate(() => chrome.storage.local.get(null), undefined)).toHaveProperty('threw');
    expect(await world.evaluate(() => chrome.storage.session.get(null), undefined)).toHaveProperty('threw');
    expect(await extension.evaluate(() => chrome.storage.local.get(['backendUrl', 'authorizationEndpoint']), undefined)).toEqual(
      settingsBefore,
    );

    // Everything that sends tokens still goes to the configured backend: the button's checks, the panel's list.
    expect(await world.ask('meet.canUse')).toEqual({ value: { ok: true, value: { canUse: true } } });
    await page.page.reload();
    await expect(page.meetButton).toBeVisible();
    await expect(page.meetButton).toContainText('Open Meet');
    await panel.page.reload();
    await expect(panel.card('Grace Hopper')).toBeVisible();
    await panel.page.screenshot({ path: `${SHOTS_DIR}/hostile-page-side-panel-after.png` });
    expect(foreign.requests).toEqual([]);
  });

  test('drops the sign-in session when an admin changes the backend URL: its token never goes to the new backend', async ({ extension }) => {
    const { auth } = await extension.evaluate(() => chrome.storage.session.get('auth'), undefined);
    const token = (auth as { session: { token: string } }).session.token;
    // The options page (an extension page) may change it; the session issued by the old backend must not follow.
    await extension.evaluate((url) => chrome.storage.local.set({ backendUrl: url }), foreign.url);
    await expect
      .poll(() => foreign.requests.map((request) => request.path), { message: 'the extension to sign in to the new backend' })
      .toContain('/api/auth/session');
    // The new backend refused the sign-in: the reloaded panel finds the solver signed out.
    await panel.page.reload();
    await expect(panel.signInButton).toBeVisible();
    await expect(panel.accountName).toHaveCount(0);
    await panel.page.screenshot({ path: `${SHOTS_DIR}/hostile-page-side-panel-backend-changed.png` });
    expect(foreign.requests.filter((request) => request.authorization?.includes(token) || request.body.includes(token))).toEqual([]);
  });
});
