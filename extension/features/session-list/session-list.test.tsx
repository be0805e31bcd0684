import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { fireEvent, render, screen } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';
import { fakeBrowser } from 'wxt/testing/fake-browser';
import { ExtensionError } from '../../lib/errors.ts';
import { broadcast, serveMessages, type Handlers } from '../../lib/messages.ts';
import { aSession, SOLVER } from '../../test-fixtures.ts';
import type { ConnectRealtime } from './live-updates.ts';
import { pollIntervalItem } from './poll-interval.ts';
import { SessionList } from './session-list.tsx';

const noRealtime: ConnectRealtime = () => {
  throw new Error('no realtime in this test');
};

/** Renders the list with a backend without Ably (so it polls); returns how often it asked for the sessions. */
async function renderPolling() {
  const list = vi.fn(async () => ({ sessions: [] }));
  const handlers: Pick<Handlers, 'sessions.list' | 'meet.canUse' | 'realtime.tokenRequest'> = {
    'sessions.list': list,
    'meet.canUse': async () => ({ canUse: true }),
    'realtime.tokenRequest': async () => null,
  };
  serveMessages(handlers as Handlers);
  render(
    <QueryClientProvider client={new QueryClient({ defaultOptions: { queries: { retry: false } } })}>
      <SessionList solverId={SOLVER.id} connect={noRealtime} onOpenSettings={() => {}} />
    </QueryClientProvider>,
  );
  await screen.findByText(/No active sessions/);
  return list;
}

describe('session list polling', () => {
  it('polls at the stored interval while live updates are off', async () => {
    await pollIntervalItem.setValue(50);
    const list = await renderPolling();
    await vi.waitFor(() => expect(list.mock.calls.length).toBeGreaterThanOrEqual(3));
    expect(screen.getByTestId('live-mode').textContent).toBe('Live updates: off — Ably is not configured on the backend');
  });

  it('stops polling when the interval is set to 0', async () => {
    await pollIntervalItem.setValue(50);
    const list = await renderPolling();
    await vi.waitFor(() => expect(list.mock.calls.length).toBeGreaterThanOrEqual(2));
    await pollIntervalItem.setValue(0);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const calls = list.mock.calls.length;
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(list).toHaveBeenCalledTimes(calls);
  });
});

describe('session list after a change made from this browser', () => {
  it('shows the list the background hands out after Start Google Meet, without asking for it again', async () => {
    await pollIntervalItem.setValue(0);
    const grace = aSession();
    const link = 'https://meet.google.com/abc-defg-hij';
    const list = vi.fn(async () => ({ sessions: [grace] }));
    const start = vi.fn(async () => {
      // As the background does: answer the click, then hand every page the list it fetched once.
      setTimeout(() => {
        void broadcast(
          { event: 'sessions.changed', sessions: [{ ...grace, meetLink: link, meetLinkSource: 'calendar' }] },
          { runtime: fakeBrowser.runtime, tabs: { query: async () => [], sendMessage: async () => undefined } },
        );
      }, 10);
      return { success: true, meetLink: link, isExisting: false, usedFallback: false };
    });
    const handlers: Pick<Handlers, 'sessions.list' | 'meet.canUse' | 'realtime.tokenRequest' | 'meet.start'> = {
      'sessions.list': list,
      'meet.canUse': async () => ({ canUse: true }),
      'realtime.tokenRequest': async () => null,
      'meet.start': start,
    };
    serveMessages(handlers as Handlers);
    render(
      <QueryClientProvider client={new QueryClient({ defaultOptions: { queries: { retry: false } } })}>
        <SessionList solverId={SOLVER.id} connect={noRealtime} onOpenSettings={() => {}} />
      </QueryClientProvider>,
    );
    fireEvent.click(await screen.findByRole('button', { name: /^Start Google Meet/ }));
    await vi.waitFor(() => expect(screen.getByTestId('session-link').textContent).toContain('meet.google.com/abc-defg-hij'));
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(start).toHaveBeenCalledTimes(1);
    expect(list).toHaveBeenCalledTimes(1);
  });

  it('asks for the list itself when the click failed (the background hands out nothing then)', async () => {
    await pollIntervalItem.setValue(0);
    const list = vi.fn(async () => ({ sessions: [aSession()] }));
    const handlers: Pick<Handlers, 'sessions.list' | 'meet.canUse' | 'realtime.tokenRequest' | 'meet.start'> = {
      'sessions.list': list,
      'meet.canUse': async () => ({ canUse: true }),
      'realtime.tokenRequest': async () => null,
      'meet.start': async () => {
        throw new ExtensionError('conflict', 'This session has ended.', 409);
      },
    };
    serveMessages(handlers as Handlers);
    render(
      <QueryClientProvider client={new QueryClient({ defaultOptions: { queries: { retry: false } } })}>
        <SessionList solverId={SOLVER.id} connect={noRealtime} onOpenSettings={() => {}} />
      </QueryClientProvider>,
    );
    fireEvent.click(await screen.findByRole('button', { name: /^Start Google Meet/ }));
    await vi.waitFor(() => expect(list).toHaveBeenCalledTimes(2));
  });
});
