import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { act, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';
import { fakeBrowser } from 'wxt/testing/fake-browser';
import type { ConnectRealtime } from '../../features/session-list/live-updates.ts';
import type { HealthResponse } from '../../../shared/index.ts';
import type { ManagedPolicy, PolicyState } from '../../lib/managed-policy.ts';
import { ExtensionError } from '../../lib/errors.ts';
import { broadcast, serveMessages, type AuthState, type Handlers } from '../../lib/messages.ts';
import { SidePanelApp } from './side-panel-app.tsx';
import { SOLVER, aSession as session } from '../../test-fixtures.ts';

const SIGNED_IN: AuthState = { status: 'signed_in', solver: SOLVER, expiresAt: '2030-01-01T00:00:00.000Z' };
const HEALTHY: HealthResponse = {
  status: 'ok',
  database: { kind: 'pglite', ok: true },
  integrations: {
    googleCalendar: 'configured',
    googleSignIn: 'configured',
    twilio: 'configured',
    ably: 'not_configured',
    adminApi: 'configured',
    savvysolveWebhooks: 'not_configured',
    savvysolveApi: 'not_configured',
    savvysolveEvents: 'not_configured',
  },
};
const DOWN_MESSAGE =
  'Can’t reach the SavvySolve Meet backend at http://localhost:8787. Check the address in Settings, or ask your admin whether it is running.';
const backendDown = () => new ExtensionError('network', DOWN_MESSAGE);

/** A background stand-in answering the side panel's messages through WXT's fake browser. */
function fakeBackground(overrides: Partial<Handlers>) {
  const unused = async () => {
    throw new Error('not used');
  };
  const handlers: Handlers = {
    'auth.get': async () => SIGNED_IN,
    'auth.signIn': async () => SIGNED_IN,
    'auth.signOut': async () => ({ status: 'signed_out' }),
    'meet.canUse': async () => ({ canUse: true }),
    'meet.start': unused,
    'meet.open': async () => undefined,
    'page.settings': unused,
    'meet.resendSms': unused,
    'sessions.list': async () => ({ sessions: [] }),
    'sessions.get': async () => null,
    'panel.open': unused,
    'realtime.tokenRequest': async () => null,
    'backend.health': async () => HEALTHY,
    ...overrides,
  };
  serveMessages(handlers);
  return handlers;
}

const neverConnect: ConnectRealtime = () => {
  throw new Error('no realtime in this test');
};

/** Chrome policy already known (the usual case): the panel shows at once. */
const policyKnown: Pick<ManagedPolicy, 'watchState'> = {
  watchState: (onState) => {
    onState('ready');
    return () => {};
  },
};

function renderPanel(connect: ConnectRealtime = neverConnect, policy = policyKnown) {
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  return render(
    <QueryClientProvider client={client}>
      <SidePanelApp connect={connect} policy={policy} />
    </QueryClientProvider>,
  );
}

describe('side panel', () => {
  it('lists active sessions with masked phone, link, source and SMS state', async () => {
    fakeBackground({
      'sessions.list': async () => ({
        sessions: [
          session({
            meetLink: 'https://meet.google.com/abc-defg-hij',
            meetLinkSource: 'calendar',
            sms: { status: 'delivered', error: null, errorCode: null, errorClass: null, updatedAt: '2030-01-01T00:00:00.000Z' },
          }),
          session({
            id: '0b9f6c52-1111-4abc-8def-0123456789ab',
            customerName: 'Alan Turing',
            customerPhone: '+442071234567',
            sms: {
              status: 'failed',
              error: 'The number is not a mobile number',
              errorCode: null,
              errorClass: null,
              updatedAt: '2030-01-01T00:00:00.000Z',
            },
            meetLink: 'https://meet.google.com/xyz-abcd-efg',
            meetLinkSource: 'captured',
          }),
        ],
      }),
    });
    renderPanel();
    expect(await screen.findByTestId('account-name')).toHaveProperty('textContent', 'Ada Lovelace');
    const cards = await screen.findAllByTestId('session-card');
    expect(cards).toHaveLength(2);
    const grace = within(cards[0]!);
    expect(grace.getByText('Grace Hopper')).toBeTruthy();
    // Seen as dots and the last four digits; read as words (the dots are hidden from screen readers).
    expect(grace.getByText('••• ••• 0123').getAttribute('aria-hidden')).toBe('true');
    expect(grace.getByText('Phone number ending 0123').className).toBe('visually-hidden');
    expect(cards[0]!.textContent).not.toContain('4155550123');
    expect(grace.getByTestId('session-link').textContent).toContain('meet.google.com/abc-defg-hij');
    expect(grace.getByTestId('session-source').textContent).toBe('Made with Google Calendar');
    expect(grace.getByTestId('session-sms').textContent).toBe('SMS delivered');
    expect(within(cards[1]!).getByTestId('session-sms').textContent).toBe('SMS failed: The number is not a mobile number');
    expect(within(cards[1]!).getByTestId('session-source').textContent).toBe('Room you opened');
    expect(screen.getByRole('heading', { name: 'Active sessions (2)' })).toBeTruthy();
  });

  it('starts a Meet from a session without a link and says so when Calendar fell back', async () => {
    const start = vi.fn(async () => ({ success: true, meetLink: 'https://meet.google.com/new', isExisting: false, usedFallback: true }));
    fakeBackground({ 'sessions.list': async () => ({ sessions: [session({})] }), 'meet.start': start });
    renderPanel();
    fireEvent.click(await screen.findByRole('button', { name: 'Start Google Meet for Grace Hopper' }));
    expect(await screen.findByText('Calendar unavailable — a new Meet was opened; the customer was not texted')).toBeTruthy();
    expect(start).toHaveBeenCalledWith({ sessionId: session({}).id }, expect.anything());
  });

  it('offers Open and Copy link for a session with a link', async () => {
    const open = vi.fn(async () => undefined);
    fakeBackground({
      'sessions.list': async () => ({
        sessions: [session({ meetLink: 'https://meet.google.com/abc-defg-hij', meetLinkSource: 'calendar' })],
      }),
      'meet.open': open,
    });
    const writeText = vi.fn(async () => {});
    Object.defineProperty(navigator, 'clipboard', { value: { writeText }, configurable: true });
    renderPanel();
    fireEvent.click(await screen.findByRole('button', { name: 'Open Meet for Grace Hopper' }));
    await waitFor(() => expect(open).toHaveBeenCalledWith({ sessionId: session({}).id }, expect.anything()));
    fireEvent.click(screen.getByRole('button', { name: 'Copy link for Grace Hopper' }));
    await screen.findByRole('button', { name: 'Copied link for Grace Hopper' });
    expect(writeText).toHaveBeenCalledWith('https://meet.google.com/abc-defg-hij');
  });

  it('explains why Meet is not available and offers no Start', async () => {
    fakeBackground({
      'meet.canUse': async () => ({ canUse: false, reason: 'Google Meet is only available for employed solvers' }),
      'sessions.list': async () => ({ sessions: [session({})] }),
    });
    renderPanel();
    expect((await screen.findByTestId('not-eligible')).textContent).toContain('Google Meet is only available for employed solvers');
    await screen.findByTestId('session-card');
    expect(screen.queryByRole('button', { name: /Start Google Meet/ })).toBeNull();
  });

  it('shows why sign-in failed and signs in on request', async () => {
    const signIn = vi.fn(async () => SIGNED_IN);
    fakeBackground({
      'auth.get': async () => ({
        status: 'signed_out',
        problem: { code: 'forbidden', message: 'No SavvySolve solver is registered for eve@example.com. Ask your admin to add you.' },
      }),
      'auth.signIn': signIn,
    });
    renderPanel();
    expect(await screen.findByRole('heading', { name: 'This account can’t use SavvySolve Meet' })).toBeTruthy();
    expect(screen.getByTestId('sign-in-problem').textContent).toContain('No SavvySolve solver is registered for eve@example.com');
    fireEvent.click(screen.getByRole('button', { name: 'Sign in with Google' }));
    expect(await screen.findByTestId('account-name')).toBeTruthy();
    expect(signIn).toHaveBeenCalledWith({ interactive: true }, expect.anything());
  });

  it('shows only "no connection" with a retry when the backend is down while signed out, then the sign-in again', async () => {
    let up = false;
    const health = vi.fn(async () => {
      if (!up) throw backendDown();
      return HEALTHY;
    });
    fakeBackground({
      'auth.get': async () => ({ status: 'signed_out', problem: { code: 'network', message: DOWN_MESSAGE } }),
      'backend.health': health,
    });
    renderPanel();
    const card = await screen.findByTestId('backend-down');
    expect(within(card).getByRole('heading').textContent).toBe('No connection to SavvySolve Meet');
    expect(within(card).getByRole('alert').textContent).toBe(DOWN_MESSAGE);
    // Alone: no sign-in prompt beside it.
    expect(screen.queryByTestId('sign-in')).toBeNull();
    expect(screen.queryByRole('button', { name: 'Sign in with Google' })).toBeNull();

    // Shown at once from the last sign-in's problem, then confirmed by the health check.
    const retry = await within(card).findByRole('button', { name: 'Try again' });
    expect(health).toHaveBeenCalledTimes(1);
    up = true;
    fireEvent.click(retry);
    await screen.findByRole('button', { name: 'Sign in with Google' });
    expect(screen.queryByTestId('backend-down')).toBeNull();
    // The stale "could not reach" of the last sign-in is not shown beside it.
    expect(screen.getByRole('heading', { name: 'Sign in to SavvySolve Meet' })).toBeTruthy();
    expect(screen.queryByTestId('sign-in-problem')).toBeNull();
    expect(health).toHaveBeenCalledTimes(2);
  });

  it('shows "no connection" when a sign-in finds the backend down', async () => {
    fakeBackground({
      'auth.get': async () => ({ status: 'signed_out' }),
      'auth.signIn': async () => {
        throw backendDown();
      },
    });
    renderPanel();
    fireEvent.click(await screen.findByRole('button', { name: 'Sign in with Google' }));
    expect((await screen.findByTestId('backend-down-message')).textContent).toBe(DOWN_MESSAGE);
    expect(screen.queryByTestId('sign-in')).toBeNull();
  });

  it('signed in, shows only "no connection" instead of a list that may be stale', async () => {
    let up = false;
    fakeBackground({
      'sessions.list': async () => {
        if (!up) throw backendDown();
        return { sessions: [session({})] };
      },
    });
    renderPanel();
    expect((await screen.findByTestId('backend-down-message')).textContent).toBe(DOWN_MESSAGE);
    expect(screen.queryByTestId('session-card')).toBeNull();
    expect(screen.queryByRole('heading', { name: /Active sessions/ })).toBeNull();
    up = true;
    fireEvent.click(screen.getByRole('button', { name: 'Try again' }));
    await screen.findByTestId('session-card');
    expect(screen.queryByTestId('backend-down')).toBeNull();
  });

  it('shows no error for a silent sign-in that needs the solver (the reason the card is there)', async () => {
    fakeBackground({
      'auth.get': async () => ({
        status: 'signed_out',
        problem: { code: 'identity', message: 'Silent Google sign-in failed (User interaction required.).' },
      }),
    });
    renderPanel();
    expect(await screen.findByRole('heading', { name: 'Sign in to SavvySolve Meet' })).toBeTruthy();
    expect(screen.queryByTestId('sign-in-problem')).toBeNull();
  });

  it('refreshes the list when the background says sessions changed', async () => {
    let sessions = [session({})];
    fakeBackground({ 'sessions.list': async () => ({ sessions }) });
    renderPanel();
    await screen.findByTestId('session-card');
    sessions = [...sessions, session({ id: '0b9f6c52-1111-4abc-8def-0123456789ab', customerName: 'Alan Turing' })];
    await broadcast(
      { event: 'sessions.changed' },
      { runtime: fakeBrowser.runtime, tabs: { query: async () => [], sendMessage: async () => undefined } },
    );
    expect(await screen.findByText('Alan Turing')).toBeTruthy();
  });

  it('says live updates are off and why without realtime, and on with it, connecting where /health says', async () => {
    fakeBackground({});
    const first = renderPanel();
    await waitFor(() => expect(screen.getByTestId('live-mode').dataset.mode).toBe('polling'));
    expect(screen.getByTestId('live-mode').textContent).toBe('Live updates: off — Ably is not configured on the backend');
    first.unmount();
    fakeBrowser.reset();

    const realtime = { endpoint: '127.0.0.1', port: 4012, tls: false };
    fakeBackground({
      'realtime.tokenRequest': async () => ({ keyName: 'a.b', timestamp: 1, nonce: 'n', mac: 'm' }),
      'backend.health': async () => ({ ...HEALTHY, integrations: { ...HEALTHY.integrations, ably: 'configured' }, realtime }),
    });
    const connect = vi.fn<ConnectRealtime>(() => ({
      subscribe: async () => {},
      onStateChange: (listener) => setTimeout(() => listener('connected'), 0),
      close: () => {},
    }));
    renderPanel(connect);
    await waitFor(() => expect(screen.getByTestId('live-mode').textContent).toBe('Live updates: on'));
    expect(connect).toHaveBeenCalledWith(expect.any(Function), realtime);
  });

  it('waits for the organization’s settings without asking the background anything, then carries on', async () => {
    const handlers = fakeBackground({});
    const authGet = vi.spyOn(handlers, 'auth.get');
    const health = vi.spyOn(handlers, 'backend.health');
    let setState: (state: PolicyState) => void = () => {};
    const policy: Pick<ManagedPolicy, 'watchState'> = {
      watchState: (onState) => {
        setState = onState;
        onState('waiting');
        return () => {};
      },
    };
    renderPanel(neverConnect, policy);
    expect(screen.getByRole('heading', { name: 'Waiting for your organization’s settings' })).toBeTruthy();
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(authGet).not.toHaveBeenCalled();
    expect(health).not.toHaveBeenCalled();

    act(() => setState('ready'));
    expect(await screen.findByTestId('account-name')).toBeTruthy();
    expect(screen.queryByTestId('waiting-for-policy')).toBeNull();
  });
});
