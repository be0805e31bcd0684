import { describe, expect, it, vi } from 'vitest';
import { fakeBrowser } from 'wxt/testing/fake-browser';
import type { HealthResponse } from '../../../shared/index.ts';
import { liveStatusText, type LiveStatus } from '../../lib/live-status.ts';
import { broadcast, serveMessages, type AuthState, type Handlers } from '../../lib/messages.ts';
import { SOLVER } from '../../test-fixtures.ts';
import type { ConnectRealtime } from './live-updates.ts';
import { watchLiveUpdates } from './watch-live-updates.ts';

const SIGNED_IN: AuthState = { status: 'signed_in', solver: SOLVER, expiresAt: '2030-01-01T00:00:00.000Z' };
const REALTIME = { endpoint: '127.0.0.1', port: 4012, tls: false };
const HEALTH: HealthResponse = {
  status: 'ok',
  database: { kind: 'pglite', ok: true },
  integrations: {
    googleCalendar: 'configured',
    googleSignIn: 'configured',
    twilio: 'configured',
    ably: 'configured',
    adminApi: 'configured',
    savvysolveWebhooks: 'not_configured',
    savvysolveApi: 'not_configured',
    savvysolveEvents: 'not_configured',
  },
};

/** The background's answers the watcher asks for; the options page's other messages are not part of this. */
function fakeBackground(auth: () => AuthState) {
  const handlers: Pick<Handlers, 'auth.get' | 'realtime.tokenRequest' | 'backend.health'> = {
    'auth.get': async () => auth(),
    'realtime.tokenRequest': async () => ({ keyName: 'a.b', timestamp: 1, nonce: 'n', mac: 'm' }),
    'backend.health': async () => ({ ...HEALTH, realtime: REALTIME }),
  };
  serveMessages(handlers as Handlers);
}

const connected: ConnectRealtime = () => ({
  subscribe: async () => {},
  onStateChange: (listener) => setTimeout(() => listener('connected'), 0),
  close: () => {},
});

describe('watching live updates for the options page', () => {
  it('says to sign in when signed out, and connects once the solver signs in', async () => {
    let auth: AuthState = { status: 'signed_out' };
    fakeBackground(() => auth);
    const connect = vi.fn(connected);
    const statuses: LiveStatus[] = [];
    const stop = watchLiveUpdates(connect)((status) => statuses.push(status));
    await vi.waitFor(() => expect(liveStatusText(statuses.at(-1)!)).toBe('Live updates: off — sign in to connect'));
    expect(connect).not.toHaveBeenCalled();

    auth = SIGNED_IN;
    await broadcast(
      { event: 'auth.changed', state: SIGNED_IN },
      { runtime: fakeBrowser.runtime, tabs: { query: async () => [], sendMessage: async () => undefined } },
    );
    await vi.waitFor(() => expect(liveStatusText(statuses.at(-1)!)).toBe('Live updates: on'));
    expect(connect).toHaveBeenCalledWith(expect.any(Function), REALTIME);
    stop();
  });
});
