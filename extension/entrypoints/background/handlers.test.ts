import { describe, expect, it, vi } from 'vitest';
import type { SessionSummary } from '../../../shared/index.ts';
import type { Handlers, MessageType } from '../../lib/messages.ts';
import { createHandlers, type HandlerDeps } from './handlers.ts';
import { createSenderPolicy } from './sender-policy.ts';

const SESSION = '3f2c1a9e-8b7d-4c6e-9f01-23456789abcd';
const summary: SessionSummary = {
  id: SESSION,
  customerName: 'Grace Hopper',
  customerPhone: '+14155550123',
  status: 'active',
  meetLink: 'https://meet.google.com/abc-defg-hij',
  meetLinkSource: 'calendar',
  sms: null,
  meetSpace: null,
  createdAt: '2030-01-01T00:00:00.000Z',
};

const EXTENSION_ID = 'nnidkclgcoenlalbflknijieocjmigjl';
const EXTENSION_BASE_URL = `chrome-extension://${EXTENSION_ID}/`;
const PAGE_SETTINGS = {
  sessionUrlPatterns: ['https://app.savvysolve.com/sessions/:sessionId'],
  sessionHeaderSelector: '[data-savvysolve-session-header]',
};
const OTHER_SESSION = '0b9f6c52-1111-4abc-8def-0123456789ab';

function setup(options: { settingsKnown?: boolean } = {}) {
  let known = options.settingsKnown ?? true;
  const deps = {
    auth: {
      state: vi.fn(async () => ({ status: 'signed_out' as const })),
      signIn: vi.fn(async () => ({ status: 'signed_out' as const })),
      signOut: vi.fn(async () => ({ status: 'signed_out' as const })),
      withToken: vi.fn((call: (token: string) => Promise<unknown>) => call('backend-token')) as unknown as HandlerDeps['auth']['withToken'],
    },
    client: {
      canUseMeet: vi.fn(async () => ({ canUse: true })),
      realtimeTokenRequest: vi.fn(async () => null),
      health: vi.fn(async () => ({
        status: 'ok' as const,
        database: { kind: 'pglite' as const, ok: true },
        integrations: {
          googleCalendar: 'configured' as const,
          googleSignIn: 'configured' as const,
          twilio: 'configured' as const,
          ably: 'not_configured' as const,
          adminApi: 'configured' as const,
          savvysolveWebhooks: 'not_configured' as const,
          savvysolveApi: 'not_configured' as const,
          savvysolveEvents: 'not_configured' as const,
        },
      })),
    },
    meetCalls: {
      start: vi.fn(async () => ({ success: true, meetLink: summary.meetLink!, isExisting: false, usedFallback: false })),
      open: vi.fn(async () => {}),
      resendSms: vi.fn(async () => ({
        sms: { status: 'queued' as const, error: null, errorCode: null, errorClass: null, updatedAt: summary.createdAt },
      })),
    },
    sessionCache: { get: vi.fn(async (sessionId: string) => (sessionId === SESSION ? summary : null)) },
    listSessions: vi.fn(async () => ({ sessions: [summary] })),
    sidePanel: { open: vi.fn(async (_options: { windowId: number }) => {}) },
    policy: createSenderPolicy({ extensionId: EXTENSION_ID, extensionBaseUrl: EXTENSION_BASE_URL }),
    pageSettings: {
      current: () => (known ? PAGE_SETTINGS : undefined),
      load: vi.fn(async () => {
        known = true;
        return PAGE_SETTINGS;
      }),
    },
  } satisfies HandlerDeps;
  return { deps, handlers: createHandlers(deps) };
}

/** The side panel (an extension page). */
const fromPanel = { id: EXTENSION_ID, url: `${EXTENSION_BASE_URL}sidepanel.html` } as never;
/** Our content script on the session page of `sessionId` (Chrome fills in `id`, `url` and `tab`). */
const fromSessionPage = (sessionId = SESSION, url = `https://app.savvysolve.com/sessions/${sessionId}`) =>
  ({ id: EXTENSION_ID, url, frameId: 0, tab: { index: 2, windowId: 5, url } }) as never;
const fromTab = fromSessionPage();

const call = (handlers: Handlers, type: MessageType, payload: unknown, sender: unknown) =>
  (handlers[type] as (payload: unknown, sender: unknown) => Promise<unknown>)(payload, sender);

describe('background message handlers', () => {
  it('starts a Meet next to the tab the click came from', async () => {
    const { deps, handlers } = setup();
    await handlers['meet.start']({ sessionId: SESSION }, fromTab);
    expect(deps.meetCalls.start).toHaveBeenCalledWith(SESSION, { index: 2, windowId: 5 });
  });

  it.each([
    ['meet.start', { sessionId: 'not-a-uuid' }],
    ['meet.start', undefined],
    ['meet.resendSms', { sessionId: "'; drop table" }],
    ['meet.open', { url: 'https://meet.google.com/abc-defg-hij' }],
    ['sessions.get', {}],
    ['auth.signIn', { interactive: 'yes' }],
  ] as const)('refuses %s with a bad payload %j', async (type, payload) => {
    const { handlers } = setup();
    const handler = handlers[type] as (payload: unknown, sender: unknown) => Promise<unknown>;
    await expect(handler(payload, fromPanel)).rejects.toMatchObject({ code: 'bad_request' });
  });

  it('lists sessions through the background’s one list refresh', async () => {
    const { deps, handlers } = setup();
    expect(await handlers['sessions.list'](undefined, fromPanel)).toEqual({ sessions: [summary] });
    expect(deps.listSessions).toHaveBeenCalledTimes(1);
  });

  it('finds one session by id (not the whole list), or null when it is not the solver’s', async () => {
    const { deps, handlers } = setup();
    expect(await handlers['sessions.get']({ sessionId: SESSION }, fromPanel)).toEqual(summary);
    expect(await handlers['sessions.get']({ sessionId: OTHER_SESSION }, fromPanel)).toBeNull();
    expect(deps.sessionCache.get).toHaveBeenCalledWith(SESSION);
    expect(deps.listSessions).not.toHaveBeenCalled();
  });

  it('opens the side panel in the sender tab’s window before anything else can wait (the user gesture)', async () => {
    const { deps, handlers } = setup();
    const answer = handlers['panel.open'](undefined, fromTab);
    // Called synchronously, before the handler's promise settles.
    expect(deps.sidePanel.open).toHaveBeenCalledWith({ windowId: 5 });
    expect(await answer).toBeUndefined();
  });

  it('refuses to open the side panel for a sender outside a tab', async () => {
    const { deps, handlers } = setup();
    await expect(handlers['panel.open'](undefined, fromPanel)).rejects.toMatchObject({ code: 'bad_request' });
    expect(deps.sidePanel.open).not.toHaveBeenCalled();
  });

  it('asks canUseMeet and the realtime token with the session token', async () => {
    const { deps, handlers } = setup();
    expect(await handlers['meet.canUse'](undefined, fromPanel)).toEqual({ canUse: true });
    expect(await handlers['realtime.tokenRequest'](undefined, fromPanel)).toBeNull();
    expect(deps.client.canUseMeet).toHaveBeenCalledWith('backend-token');
    expect(deps.client.realtimeTokenRequest).toHaveBeenCalledWith('backend-token');
  });

  it('answers backend.health with the backend client, without a sign-in', async () => {
    const { deps, handlers } = setup();
    expect((await handlers['backend.health'](undefined, fromPanel)).integrations.ably).toBe('not_configured');
    expect(deps.client.health).toHaveBeenCalledTimes(1);
    expect(deps.auth.withToken).not.toHaveBeenCalled();
  });

  it('opens the stored link of one of the solver’s sessions, never a link from the sender', async () => {
    const { deps, handlers } = setup();
    await handlers['meet.open']({ sessionId: SESSION, url: 'https://evil.example/' } as never, fromTab);
    expect(deps.meetCalls.open).toHaveBeenCalledExactlyOnceWith('https://meet.google.com/abc-defg-hij', { index: 2, windowId: 5 });
  });

  it('refuses meet.open for a session that is not the solver’s, or has no link yet', async () => {
    const { deps, handlers } = setup();
    await expect(handlers['meet.open']({ sessionId: OTHER_SESSION }, fromPanel)).rejects.toMatchObject({ code: 'not_found' });
    deps.sessionCache.get.mockResolvedValueOnce({ ...summary, meetLink: null });
    await expect(handlers['meet.open']({ sessionId: SESSION }, fromPanel)).rejects.toMatchObject({ code: 'no_link' });
    expect(deps.meetCalls.open).not.toHaveBeenCalled();
  });

  it('answers a content script the session page settings it needs', async () => {
    const { handlers } = setup();
    expect(await handlers['page.settings'](undefined, fromSessionPage(SESSION, 'https://app.savvysolve.com/inbox'))).toEqual(PAGE_SETTINGS);
  });
});

describe('who may ask the background what (the extension’s trust boundary)', () => {
  const extensionOnly: [MessageType, unknown][] = [
    ['sessions.list', undefined],
    ['auth.get', undefined],
    ['auth.signIn', { interactive: false }],
    ['auth.signOut', undefined],
    ['meet.resendSms', { sessionId: SESSION }],
    ['realtime.tokenRequest', undefined],
    ['backend.health', undefined],
  ];

  it.each(extensionOnly)('refuses %s from a content script, even on the session’s own page', async (type, payload) => {
    const { deps, handlers } = setup();
    await expect(call(handlers, type, payload, fromTab)).rejects.toMatchObject({ code: 'forbidden' });
    expect(deps.listSessions).not.toHaveBeenCalled();
    expect(deps.auth.signIn).not.toHaveBeenCalled();
    expect(deps.auth.signOut).not.toHaveBeenCalled();
    expect(deps.meetCalls.resendSms).not.toHaveBeenCalled();
    expect(deps.auth.withToken).not.toHaveBeenCalled();
    expect(deps.client.health).not.toHaveBeenCalled();
  });

  it.each(extensionOnly)('answers %s from an extension page', async (type, payload) => {
    const { handlers } = setup();
    await expect(call(handlers, type, payload, fromPanel)).resolves.not.toThrow();
  });

  it.each([
    ['no id', { url: `${EXTENSION_BASE_URL}sidepanel.html` }],
    ['another extension', { id: 'abcdefghijklmnopabcdefghijklmnop', url: 'chrome-extension://abcdefghijklmnopabcdefghijklmnop/x.html' }],
    ['no address', { id: EXTENSION_ID }],
  ])('refuses every message from a sender with %s', async (_what, sender) => {
    const { deps, handlers } = setup();
    await expect(call(handlers, 'sessions.get', { sessionId: SESSION }, sender)).rejects.toMatchObject({ code: 'forbidden' });
    await expect(call(handlers, 'meet.canUse', undefined, sender)).rejects.toMatchObject({ code: 'forbidden' });
    expect(deps.sessionCache.get).not.toHaveBeenCalled();
  });

  it('answers the session page’s button: its session, can-use, start and open', async () => {
    const { deps, handlers } = setup();
    expect(await handlers['sessions.get']({ sessionId: SESSION }, fromTab)).toEqual(summary);
    expect(await handlers['meet.canUse'](undefined, fromTab)).toEqual({ canUse: true });
    await handlers['meet.start']({ sessionId: SESSION }, fromTab);
    await handlers['meet.open']({ sessionId: SESSION }, fromTab);
    expect(deps.meetCalls.start).toHaveBeenCalledTimes(1);
    expect(deps.meetCalls.open).toHaveBeenCalledTimes(1);
  });

  it.each(['sessions.get', 'meet.start', 'meet.open'] as const)('refuses %s about another session than the page’s own', async (type) => {
    const { deps, handlers } = setup();
    await expect(call(handlers, type, { sessionId: OTHER_SESSION }, fromTab)).rejects.toMatchObject({ code: 'forbidden' });
    expect(deps.sessionCache.get).not.toHaveBeenCalled();
    expect(deps.meetCalls.start).not.toHaveBeenCalled();
  });

  it('follows the tab’s URL after an SPA navigation (sender.url stays the URL the document loaded with)', async () => {
    const { handlers } = setup();
    const loadedOn = `https://app.savvysolve.com/sessions/${OTHER_SESSION}`;
    const navigated = {
      id: EXTENSION_ID,
      url: loadedOn,
      frameId: 0,
      tab: { index: 2, windowId: 5, url: `https://app.savvysolve.com/sessions/${SESSION}` },
    };
    expect(await call(handlers, 'sessions.get', { sessionId: SESSION }, navigated)).toEqual(summary);
    await expect(call(handlers, 'sessions.get', { sessionId: OTHER_SESSION }, navigated)).rejects.toMatchObject({ code: 'forbidden' });
  });

  it('judges a sub-frame by its own URL, not the tab’s', async () => {
    const { handlers } = setup();
    const frame = {
      id: EXTENSION_ID,
      url: 'https://app.savvysolve.com/embed',
      frameId: 7,
      tab: { index: 2, windowId: 5, url: `https://app.savvysolve.com/sessions/${SESSION}` },
    };
    await expect(call(handlers, 'sessions.get', { sessionId: SESSION }, frame)).rejects.toMatchObject({ code: 'forbidden' });
  });

  it('takes the page’s session id from the page when the pattern has no :sessionId', async () => {
    const { deps, handlers } = setup();
    deps.pageSettings.current = () => ({ ...PAGE_SETTINGS, sessionUrlPatterns: ['https://app.savvysolve.com/workspace'] });
    expect(
      await handlers['sessions.get']({ sessionId: SESSION }, fromSessionPage(SESSION, 'https://app.savvysolve.com/workspace')),
    ).toEqual(summary);
  });

  it.each([
    ['another page of the session origin', 'https://app.savvysolve.com/inbox'],
    ['another origin', 'https://evil.example/sessions/3f2c1a9e-8b7d-4c6e-9f01-23456789abcd'],
    ['http instead of https', 'http://app.savvysolve.com/sessions/3f2c1a9e-8b7d-4c6e-9f01-23456789abcd'],
  ])('refuses the button’s messages from %s', async (_where, url) => {
    const { deps, handlers } = setup();
    const sender = fromSessionPage(SESSION, url);
    for (const [type, payload] of [
      ['sessions.get', { sessionId: SESSION }],
      ['meet.canUse', undefined],
      ['meet.start', { sessionId: SESSION }],
      ['meet.open', { sessionId: SESSION }],
    ] as const) {
      await expect(call(handlers, type, payload, sender)).rejects.toMatchObject({ code: 'forbidden' });
    }
    await expect(handlers['panel.open'](undefined, sender)).rejects.toMatchObject({ code: 'forbidden' });
    expect(deps.sidePanel.open).not.toHaveBeenCalled();
    expect(deps.meetCalls.start).not.toHaveBeenCalled();
  });

  it('loads the session page patterns before checking when the worker has just woken', async () => {
    const { deps, handlers } = setup({ settingsKnown: false });
    expect(await handlers['sessions.get']({ sessionId: SESSION }, fromTab)).toEqual(summary);
    expect(deps.pageSettings.load).toHaveBeenCalledTimes(1);
    await expect(
      handlers['sessions.get']({ sessionId: SESSION }, fromSessionPage(SESSION, 'https://app.savvysolve.com/inbox')),
    ).rejects.toMatchObject({
      code: 'forbidden',
    });
  });

  it('opens the side panel from a just-woken worker without waiting for the patterns (the click’s gesture)', () => {
    const { deps, handlers } = setup({ settingsKnown: false });
    void handlers['panel.open'](undefined, fromTab);
    expect(deps.sidePanel.open).toHaveBeenCalledWith({ windowId: 5 });
    expect(deps.pageSettings.load).not.toHaveBeenCalled();
  });
});
