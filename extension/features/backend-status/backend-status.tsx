import { useQuery } from '@tanstack/react-query';
import type { HealthResponse } from '../../../shared/index.ts';

export type HealthFetcher = () => Promise<HealthResponse>;

const INTEGRATIONS: { key: keyof HealthResponse['integrations']; label: string }[] = [
  { key: 'googleCalendar', label: 'Google Calendar (Meet links)' },
  { key: 'googleSignIn', label: 'Google sign-in' },
  { key: 'twilio', label: 'Twilio (SMS)' },
  { key: 'ably', label: 'Ably (live updates)' },
  { key: 'adminApi', label: 'Admin API' },
];

/** The backend's own view of its set-up, the same states `/health` and `npm run doctor` report. */
export function BackendStatus({ fetchHealth, backendUrl }: { fetchHealth: HealthFetcher; backendUrl: string }) {
  // Keyed by the backend URL: changing it (on this page or by policy) checks the new one.
  const health = useQuery({ queryKey: ['backend-health', backendUrl], queryFn: fetchHealth, retry: false });
  return (
    <section className="card" aria-labelledby="backend-status-title" data-testid="backend-status">
      <div className="field__label-row">
        <h2 className="card__title" id="backend-status-title">
          Backend status
        </h2>
        <button type="button" className="button button--text" onClick={() => void health.refetch()} disabled={health.isFetching}>
          {health.isFetching ? 'Checking…' : 'Check again'}
        </button>
      </div>
      {health.isError ? (
        <p className="notice notice--error" role="alert">
          {health.error.message}
        </p>
      ) : !health.data ? (
        <p className="muted">Checking…</p>
      ) : (
        <ul className="status-list">
          <li className={`status ${health.data.database.ok ? 'status--success' : 'status--error'}`} data-testid="status-database">
            Database ({health.data.database.kind === 'pglite' ? 'embedded PGlite' : 'PostgreSQL'}):{' '}
            {health.data.database.ok ? 'reachable' : 'not reachable'}
          </li>
          {INTEGRATIONS.map(({ key, label }) => {
            const configured = health.data.integrations[key] === 'configured';
            return (
              <li key={key} className={`status ${configured ? 'status--success' : 'status--warning'}`} data-testid={`status-${key}`}>
                {label}: {configured ? 'configured' : 'not configured'}
              </li>
            );
          })}
        </ul>
      )}
    </section>
  );
}
