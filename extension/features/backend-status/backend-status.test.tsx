import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { render, screen } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import type { HealthResponse } from '../../../shared/index.ts';
import { BackendStatus, type HealthFetcher } from './backend-status.tsx';

const renderStatus = (fetchHealth: HealthFetcher) =>
  render(
    <QueryClientProvider client={new QueryClient()}>
      <BackendStatus fetchHealth={fetchHealth} backendUrl="https://meet-api.example.com" />
    </QueryClientProvider>,
  );

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
      throw new Error('The SavvySolve Meet backend at http://localhost:9 it could not be reached. Check the backend URL in Options.');
    });
    expect((await screen.findByRole('alert')).textContent).toMatch(/could not be reached/);
  });
});
