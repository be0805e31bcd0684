import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { act, render, screen } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';
import type { HealthResponse } from '../../../shared/index.ts';
import type { LiveStatus, LiveUpdatesWatcher } from '../../lib/live-status.ts';
import { BackendStatus, type HealthFetcher } from './backend-status.tsx';

const renderStatus = (fetchHealth: HealthFetcher, watchLiveUpdates?: LiveUpdatesWatcher) =>
  render(
    <QueryClientProvider client={new QueryClient()}>
      <BackendStatus fetchHealth={fetchHealth} backendUrl="https://meet-api.example.com" watchLiveUpdates={watchLiveUpdates} />
    </QueryClientProvider>,
  );

const withAbly = (ably: 'configured' | 'not_configured'): HealthResponse => ({
  status: 'ok',
  database: { kind: 'pglite', ok: true },
  integrations: {
    googleCalendar: 'configured',
    googleSignIn: 'configured',
    twilio: 'configured',
    ably,
    adminApi: 'configured',
    savvysolveWebhooks: 'not_configured',
    savvysolveApi: 'not_configured',
    savvysolveEvents: 'not_configured',
  },
});

describe('backend status', () => {
  it('shows the database and each integration as /health reports them', async () => {
    const health: HealthResponse = {
      status: 'ok',
      database: { kind: 'postgres', ok: true },
      integrations: {
        googleCalendar: 'configured',
        googleSignIn: 'configured',
        twilio: 'not_configured',
        ably: 'configured',
        adminApi: 'not_configured',
        savvysolveWebhooks: 'not_configured',
        savvysolveApi: 'not_configured',
        savvysolveEvents: 'not_configured',
      },
    };
    renderStatus(async () => health);
    expect((await screen.findByTestId('status-database')).textContent).toBe('Database (PostgreSQL): reachable');
    expect(screen.getByTestId('status-googleCalendar').textContent).toBe('Google Calendar (Meet links): configured');
    expect(screen.getByTestId('status-twilio').textContent).toBe('Twilio (SMS): not configured');
    expect(screen.getByTestId('status-twilio').className).toContain('status--warning');
  });

  it('says in words when the backend cannot be reached', async () => {
    renderStatus(async () => {
      throw new Error(
        'Can’t reach the SavvySolve Meet backend at http://localhost:9. Check the address in Settings, or ask your admin whether it is running.',
      );
    });
    expect((await screen.findByRole('alert')).textContent).toMatch(/Can’t reach the SavvySolve Meet backend at http:\/\/localhost:9\./);
  });

  it('says live updates are off when the backend has no Ably, without connecting', async () => {
    const watch = vi.fn<LiveUpdatesWatcher>(() => () => {});
    renderStatus(async () => withAbly('not_configured'), watch);
    const line = await screen.findByTestId('status-live-updates');
    expect(line.textContent).toBe('Live updates: off — Ably is not configured on the backend');
    expect(line.className).toContain('status--warning');
    expect(watch).not.toHaveBeenCalled();
  });

  it('connects with Ably configured and follows the connection: on, then off with the error', async () => {
    let report: (status: LiveStatus) => void = () => {};
    const stop = vi.fn();
    renderStatus(
      async () => withAbly('configured'),
      (onStatus) => {
        report = onStatus;
        onStatus({ mode: 'connecting' });
        return stop;
      },
    );
    const line = await screen.findByTestId('status-live-updates');
    expect(line.textContent).toBe('Live updates: connecting…');
    act(() => report({ mode: 'live' }));
    expect(line.textContent).toBe('Live updates: on');
    expect(line.className).toContain('status--success');
    act(() => report({ mode: 'polling', reason: { kind: 'failed', error: 'Unable to connect (and no more fallback hosts to try)' } }));
    expect(line.textContent).toBe('Live updates: off — connecting failed: Unable to connect (and no more fallback hosts to try)');
    expect(line.className).toContain('status--error');
  });
});
