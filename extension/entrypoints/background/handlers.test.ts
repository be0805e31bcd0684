import { describe, expect, it, vi } from 'vitest';
import type { SessionSummary } from '../../../shared/index.ts';
import { createHandlers, type HandlerDeps } from './handlers.ts';

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

function setup() {
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
  } satisfies HandlerDeps;
  return { deps, handlers: createHandlers(deps) };
}

const fromTab = { tab: { index: 2, windowId: 5 } } as never;

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
    ['meet.open', { sessionId: SESSION, url: 'javascript:alert(1)' }],
    ['sessions.get', {}],
    ['auth.signIn', { interactive: 'yes' }],
  ] as const)('refuses %s with a bad payload %j', async (type, payload) => {
    const { handlers } = setup();
    const handler = handlers[type] as (payload: unknown, sender: unknown) => Promise<unknown>;
    await expect(handler(payload, {})).rejects.toMatchObject({ code: 'bad_request' });
  });

  it('lists sessions through the background’s one list refresh', async () => {
    const { deps, handlers } = setup();
    expect(await handlers['sessions.list'](undefined, {})).toEqual({ sessions: [summary] });
    expect(deps.listSessions).toHaveBeenCalledTimes(1);
  });

  it('finds one session by id (not the whole list), or null when it is not the solver’s', async () => {
    const { deps, handlers } = setup();
    expect(await handlers['sessions.get']({ sessionId: SESSION }, {})).toEqual(summary);
    expect(await handlers['sessions.get']({ sessionId: '0b9f6c52-1111-4abc-8def-0123456789ab' }, {})).toBeNull();
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

  it('refuses to open the side panel for a sender outside a tab', () => {
    const { deps, handlers } = setup();
    expect(() => handlers['panel.open'](undefined, {})).toThrow(expect.objectContaining({ code: 'bad_request' }));
    expect(deps.sidePanel.open).not.toHaveBeenCalled();
  });

  it('asks canUseMeet and the realtime token with the session token', async () => {
    const { deps, handlers } = setup();
    expect(await handlers['meet.canUse'](undefined, {})).toEqual({ canUse: true });
    expect(await handlers['realtime.tokenRequest'](undefined, {})).toBeNull();
    expect(deps.client.canUseMeet).toHaveBeenCalledWith('backend-token');
    expect(deps.client.realtimeTokenRequest).toHaveBeenCalledWith('backend-token');
  });

  it('answers backend.health with the backend client, without a sign-in', async () => {
    const { deps, handlers } = setup();
    expect((await handlers['backend.health'](undefined, fromTab)).integrations.ably).toBe('not_configured');
    expect(deps.client.health).toHaveBeenCalledTimes(1);
    expect(deps.auth.withToken).not.toHaveBeenCalled();
  });
});
