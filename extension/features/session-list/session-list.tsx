import type { ConnectRealtime, LiveMode } from './live-updates.ts';
import { SessionCard } from './session-card.tsx';
import { useCanUseMeet, useLiveSessionUpdates, useSessions } from './use-sessions.ts';

const MODE_TEXT: Record<LiveMode, string> = {
  connecting: 'Connecting…',
  live: 'Live',
  polling: 'Auto-refresh',
};

const errorText = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** The solver's active sessions, kept current live (Ably) or by polling. */
export function SessionList({ solverId, connect }: { solverId: string; connect: ConnectRealtime }) {
  const mode = useLiveSessionUpdates(solverId, connect);
  const sessions = useSessions(mode !== 'live');
  const canUse = useCanUseMeet();
  const canStart = canUse.data?.canUse === true;

  return (
    <section className="sessions" aria-labelledby="sessions-title">
      <div className="sessions__head">
        <h2 id="sessions-title" className="section-title">
          Active sessions{sessions.data ? ` (${sessions.data.length})` : ''}
        </h2>
        <span
          className={`live live--${mode}`}
          data-testid="live-mode"
          data-mode={mode}
          title={mode === 'live' ? 'Updates arrive as they happen' : 'Refreshing every few seconds'}
        >
          {MODE_TEXT[mode]}
        </span>
      </div>

      {canUse.data && !canUse.data.canUse && (
        <p className="notice notice--info" data-testid="not-eligible">
          <strong>Google Meet is not available to you.</strong> {canUse.data.reason}
        </p>
      )}

      {sessions.isPending && <p className="muted">Loading sessions…</p>}
      {sessions.isError && (
        <p className="notice notice--error" role="alert">
          Couldn’t load your sessions: {errorText(sessions.error)}
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
