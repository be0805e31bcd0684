import { browser } from 'wxt/browser';
import { messageOf } from '../../../shared/errors.ts';
import { BackendDown, isBackendDown } from '../../lib/ui/backend-down.tsx';
import { liveStatusText } from '../../lib/live-status.ts';
import type { ConnectRealtime } from './live-updates.ts';
import { usePollInterval } from './poll-interval.ts';
import { SessionCard } from './session-card.tsx';
import { useCanUseMeet, useLiveSessionUpdates, useSessions } from './use-sessions.ts';

const openOptionsPage = () => void browser.runtime.openOptionsPage();

/** The solver's active sessions, kept current live (Ably) or by polling. */
export function SessionList({
  solverId,
  connect,
  onOpenSettings = openOptionsPage,
}: {
  solverId: string;
  connect: ConnectRealtime;
  /** Where "Open Settings" leads when the backend does not answer (the options page by default). */
  onOpenSettings?: () => void;
}) {
  const live = useLiveSessionUpdates(solverId, connect);
  const pollIntervalMs = usePollInterval();
  const sessions = useSessions(live.mode !== 'live' && pollIntervalMs ? pollIntervalMs : false);
  const canUse = useCanUseMeet();
  const canStart = canUse.data?.canUse === true;

  // The backend does not answer: say that alone, rather than a list that may no longer be true.
  if (isBackendDown(sessions.error)) {
    return (
      <BackendDown
        message={sessions.error.message}
        retrying={sessions.isFetching}
        onRetry={() => void sessions.refetch()}
        onOpenSettings={onOpenSettings}
      />
    );
  }

  return (
    <section className="sessions" aria-labelledby="sessions-title">
      <div className="sessions__head">
        <h2 id="sessions-title" className="section-title">
          Active sessions{sessions.data ? ` (${sessions.data.length})` : ''}
        </h2>
      </div>
      <p
        className={`live live--${live.mode}`}
        data-testid="live-mode"
        data-mode={live.mode}
        role="status"
        title={live.mode === 'live' ? 'Updates arrive as they happen' : pollIntervalMs ? 'Refreshing every few seconds' : undefined}
      >
        {liveStatusText(live)}
      </p>

      {canUse.data && !canUse.data.canUse && (
        <p className="notice notice--info" data-testid="not-eligible">
          <strong>Google Meet is not available to you.</strong> {canUse.data.reason}
        </p>
      )}

      {sessions.isPending && <p className="muted">Loading sessions…</p>}
      {sessions.isError && (
        <p className="notice notice--error" role="alert">
          Couldn’t load your sessions: {messageOf(sessions.error)}
        </p>
      )}
      {sessions.data?.length === 0 && <p className="empty">No active sessions. New sessions appear here as they are assigned to you.</p>}
      {sessions.data && sessions.data.length > 0 && (
        <ul className="session-list">
          {sessions.data.map((session) => (
            <SessionCard key={session.id} session={session} canStart={canStart} />
          ))}
        </ul>
      )}
    </section>
  );
}
