import { useQuery } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import type { HealthResponse } from '../../../shared/index.ts';
import { liveStatusText, type LiveStatus, type LiveUpdatesWatcher } from '../../lib/live-status.ts';

export type HealthFetcher = () => Promise<HealthResponse>;

const NOT_CONFIGURED: LiveStatus = { mode: 'polling', reason: { kind: 'not_configured' } };

/**
 * Live updates as they really are, not only whether Ably is configured: with Ably on the backend, `watch` connects
 * and subscribes as the side panel does (again on each check of the backend).
 */
function useLiveUpdatesStatus(health: HealthResponse | undefined, checkedAt: number, watch: LiveUpdatesWatcher | undefined) {
  const [status, setStatus] = useState<LiveStatus>();
  const configured = health?.integrations.ably === 'configured';
  useEffect(() => {
    if (!health || !watch) return setStatus(undefined);
    if (!configured) return setStatus(NOT_CONFIGURED);
    return watch(setStatus);
  }, [Boolean(health), configured, checkedAt, watch]);
  return status;
}

const liveTone = (status: LiveStatus) =>
  status.mode === 'live' ? 'success' : status.mode === 'connecting' ? 'pending' : status.reason.kind === 'failed' ? 'error' : 'warning';

const INTEGRATIONS: { key: keyof HealthResponse['integrations']; label: string }[] = [
  { key: 'googleCalendar', label: 'Google Calendar (Meet links)' },
  { key: 'googleSignIn', label: 'Google sign-in' },
  { key: 'twilio', label: 'Twilio (SMS)' },
  { key: 'ably', label: 'Ably (live updates)' },
  { key: 'adminApi', label: 'Admin API' },
];

/**
 * The backend's own view of its set-up, the same states `/health` and `npm run doctor` report, and whether live
 * updates actually work from this browser (`watchLiveUpdates`).
 */
export function BackendStatus({
  fetchHealth,
  backendUrl,
  watchLiveUpdates,
}: {
  fetchHealth: HealthFetcher;
  backendUrl: string;
  watchLiveUpdates?: LiveUpdatesWatcher;
}) {
  // Keyed by the backend URL: changing it (on this page or by policy) checks the new one.
  const health = useQuery({ queryKey: ['backend-health', backendUrl], queryFn: fetchHealth, retry: false });
  const live = useLiveUpdatesStatus(health.data, health.dataUpdatedAt, watchLiveUpdates);
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
          {live && (
            <li className={`status status--${liveTone(live)}`} data-testid="status-live-updates" data-mode={live.mode}>
              {liveStatusText(live)}
            </li>
          )}
        </ul>
      )}
    </section>
  );
}
