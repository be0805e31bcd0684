import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { render, screen } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';
import { serveMessages, type Handlers } from '../../lib/messages.ts';
import { SOLVER } from '../../test-fixtures.ts';
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
