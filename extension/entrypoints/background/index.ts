import { browser } from 'wxt/browser';
import { defineBackground } from 'wxt/utils/define-background';
import { storage } from 'wxt/utils/storage';
import { createMeetCalls } from '../../features/meet-call/meet-calls.ts';
import { injectIntoOpenTabs, syncSessionScript } from '../../features/session-pages/register-session-script.ts';
import { createAuthManager, type StoredAuth } from '../../features/sign-in/auth-manager.ts';
import { countLiveMeets, showLiveMeetCount } from '../../features/toolbar/badge.ts';
import { createBackendClient } from '../../lib/backend-client.ts';
import { createGoogleIdentity } from '../../lib/identity.ts';
import { broadcast, serveMessages } from '../../lib/messages.ts';
import type { SessionPageSettings } from '../../lib/page-detection.ts';
import { loadSettings, watchSettings, type Settings } from '../../lib/settings.ts';
import { createHandlers } from './handlers.ts';
import { createSenderPolicy } from './sender-policy.ts';
import { createSessionCache } from './session-cache.ts';
import { createSessionsRefresh } from './sessions-refresh.ts';

const REFRESH_ALARM = 'savvysolve.refresh';
const RENEW_ALARM = 'savvysolve.renew';

/** Kept in memory only (storage.session), which content scripts cannot read. */
const authItem = storage.defineItem<StoredAuth | null>('session:auth', { fallback: null });
/** One key per watched fallback tab: `session:meetCapture:<tabId>` → session id. */
const captureKey = (tabId: number) => `session:meetCapture:${tabId}` as const;
const lastEmailItem = storage.defineItem<string>('local:lastSignInEmail', { fallback: '' });

const pageSettingsOf = ({ sessionUrlPatterns, sessionHeaderSelector }: Settings): SessionPageSettings => ({
  sessionUrlPatterns,
  sessionHeaderSelector,
});

export default defineBackground(() => {
  /**
   * Closes `storage.local` to content scripts. Chrome opens `local` to them by default (only `session` starts closed),
   * and a content script runs in a web page's renderer: a hostile session page could write the backend URL or the OAuth
   * endpoints there, and the background would send tokens where they say. Closed, only our pages and this worker read
   * or write it; content scripts get what they need through `page.settings`. Chrome keeps the level across restarts.
   * Content scripts are registered only once this succeeded (docs/guarantees.md: the extension's trust boundary).
   */
  const storageClosed = browser.storage.local.setAccessLevel({ accessLevel: 'TRUSTED_CONTEXTS' }).then(
    () => true,
    (error: unknown) => {
      reportError(error);
      return false;
    },
  );
  const settings = async () => (await loadSettings()).values;
  /** The session page settings as last loaded: read synchronously by the sender check (see `handlers.ts`). */
  let pageSettings: SessionPageSettings | undefined;
  const loadPageSettings = async () => (pageSettings = pageSettingsOf(await settings()));
  const client = createBackendClient({
    baseUrl: async () => (await settings()).backendUrl,
    // The token goes only to the backend that issued it, whatever changed between reading it and sending it.
    issuerOf: (token) => auth.issuerOf(token),
  });
  const identity = createGoogleIdentity({
    identity: browser.identity,
    settings,
    manifestOAuthClientId: browser.runtime.getManifest().oauth2?.client_id,
    loginHint: async () => (await lastEmailItem.getValue()) || undefined,
  });

  /** Recounts live Meet calls (from a fresh list); `signInIfNeeded` allows a silent sign-in first (at start-up). */
  const refreshBadge = async (signInIfNeeded: boolean) => {
    if (!signInIfNeeded && (await auth.state()).status !== 'signed_in') return showLiveMeetCount(browser.action, undefined);
    await sessionsRefresh.refresh();
  };
  const refreshBadgeQuietly = (signInIfNeeded = false) =>
    void refreshBadge(signInIfNeeded).catch(() => showLiveMeetCount(browser.action, undefined));

  const scheduleRenewal = async () => {
    const renewAt = await auth.renewAt();
    if (renewAt === undefined) await browser.alarms.clear(RENEW_ALARM);
    else await browser.alarms.create(RENEW_ALARM, { when: Math.max(renewAt, Date.now() + 30_000) });
  };

  const sessionCache = createSessionCache({
    load: (sessionId) => auth.withToken((token) => client.getSession(token, sessionId)),
  });

  // One list request per change feeds the badge, the session cache and every open side panel.
  const sessionsRefresh = createSessionsRefresh({
    load: () => auth.withToken((token) => client.listSessions(token)),
    onList: (sessions) => {
      sessionCache.remember(sessions);
      void showLiveMeetCount(browser.action, countLiveMeets(sessions));
    },
    announce: (sessions) => void broadcast({ event: 'sessions.changed', sessions }),
  });

  /** Who the last auth change said is signed in. */
  let signedInAs: string | undefined;
  const auth = createAuthManager({
    identity,
    backendUrl: async () => (await settings()).backendUrl,
    signIn: (googleAccessToken, backendUrl) => client.signIn(googleAccessToken, backendUrl),
    store: { get: () => authItem.getValue(), set: (value) => authItem.setValue(value) },
    rememberEmail: (email) => (email ? lastEmailItem.setValue(email) : lastEmailItem.removeValue()),
    onChange: (state) => {
      // Remembered sessions belong to the solver who was signed in; so does a list under way, unless only the token
      // was renewed (which a list request itself may do).
      sessionCache.clear();
      const solverId = state.status === 'signed_in' ? state.solver.id : undefined;
      if (solverId !== signedInAs) sessionsRefresh.reset();
      signedInAs = solverId;
      void broadcast({ event: 'auth.changed', state });
      void scheduleRenewal();
      refreshBadgeQuietly();
    },
  });

  const meetCalls = createMeetCalls({
    api: {
      createMeetLink: (sessionId) => auth.withToken((token) => client.createMeetLink(token, sessionId)),
      captureMeetLink: (sessionId, meetLink) => auth.withToken((token) => client.captureMeetLink(token, sessionId, meetLink)),
      resendSms: (sessionId) => auth.withToken((token) => client.resendSms(token, sessionId)),
    },
    tabs: browser.tabs,
    captures: {
      get: async (tabId) => (await storage.getItem<string>(captureKey(tabId))) ?? undefined,
      set: (tabId, sessionId) => storage.setItem(captureKey(tabId), sessionId),
      remove: (tabId) => storage.removeItem(captureKey(tabId)),
    },
    startingPageUrl: (query) => `${browser.runtime.getURL('/meet-start.html')}?${new URLSearchParams(query)}`,
    onSessionsChanged: () => {
      sessionCache.clear();
      sessionsRefresh.refresh({ announce: true }).catch(() => {
        // No list to hand out: everyone asks for themselves (and shows why it failed).
        void showLiveMeetCount(browser.action, undefined);
        void broadcast({ event: 'sessions.changed' });
      });
    },
    log: (message, details) => console.warn(`[SavvySolve Meet] ${message}`, details),
  });

  serveMessages(
    createHandlers({
      auth,
      client,
      meetCalls,
      sessionCache,
      listSessions: () => sessionsRefresh.refresh(),
      sidePanel: browser.sidePanel,
      policy: createSenderPolicy({ extensionId: browser.runtime.id, extensionBaseUrl: browser.runtime.getURL('/') }),
      pageSettings: { current: () => pageSettings, load: loadPageSettings },
    }),
  );

  // Listeners are registered synchronously so events that wake the worker reach them.
  browser.tabs.onUpdated.addListener((tabId, changeInfo) => {
    if (changeInfo.url) void meetCalls.tabUpdated(tabId, changeInfo.url);
  });
  browser.tabs.onRemoved.addListener((tabId) => void meetCalls.tabRemoved(tabId));
  browser.alarms.onAlarm.addListener((alarm) => {
    if (alarm.name === REFRESH_ALARM) refreshBadgeQuietly();
    if (alarm.name === RENEW_ALARM) void auth.signIn({ interactive: false });
  });
  // One registration at a time, each with the settings as they are when it runs, so the last change wins. While
  // storage is open to content scripts, none is registered.
  let registration = Promise.resolve();
  const syncRegistration = () => {
    registration = registration
      .then(async () => {
        const patterns = (await storageClosed) ? (await settings()).sessionUrlPatterns : [];
        await syncSessionScript(browser.scripting, patterns);
      })
      .catch(reportError);
  };
  watchSettings(({ values }) => {
    const before = JSON.stringify(pageSettings);
    pageSettings = pageSettingsOf(values);
    if (JSON.stringify(pageSettings) !== before) void broadcast({ event: 'settings.changed', settings: pageSettings });
    void auth.followBackend().catch(reportError);
    syncRegistration();
  });
  browser.runtime.onInstalled.addListener(() => {
    void storageClosed
      .then(async (closed) => {
        if (closed) await injectIntoOpenTabs(browser.scripting, browser.tabs, (await settings()).sessionUrlPatterns);
      })
      .catch(reportError);
  });

  // The toolbar button opens the side panel.
  void browser.sidePanel.setPanelBehavior({ openPanelOnActionClick: true }).catch(reportError);
  void browser.alarms.create(REFRESH_ALARM, { periodInMinutes: 1 });
  syncRegistration();
  void loadPageSettings().catch(reportError);
  refreshBadgeQuietly(true);
});

function reportError(error: unknown) {
  console.warn('[SavvySolve Meet]', error instanceof Error ? error.message : error);
}
