import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useId, useState } from 'react';
import type { CreateMeetLinkResponse, SessionSummary } from '../../../shared/index.ts';
import { messageOf } from '../../../shared/errors.ts';
import { callStatus, withCallStatus, type CallStatus } from '../../lib/call-status.ts';
import { useNow } from '../../lib/use-now.ts';
import { FALLBACK_NOTICE } from '../../lib/wording.ts';
import { CameraIcon } from './camera-icon.tsx';

/** What the button asks the background for; the content script passes runtime-message calls. */
export type MeetButtonApi = {
  /** The session by id (`sessions.get`), or `null` when it is not the signed-in solver's. */
  getSession(sessionId: string): Promise<SessionSummary | null>;
  /** Creates (or finds) the session's link and opens it in a new tab. */
  start(sessionId: string): Promise<CreateMeetLinkResponse>;
  /** Opens the session's stored link in a new tab (the background reads it from the backend). */
  open(sessionId: string): Promise<void>;
};

export const SESSION_QUERY_ROOT = 'session';
export const sessionQueryKey = (sessionId: string) => [SESSION_QUERY_ROOT, sessionId] as const;
/**
 * How often the button asks again while a call may change (a link, no end yet), and only while the page is
 * visible. Changes made from this browser arrive sooner, through the background's `sessions.changed`.
 */
export const CALL_POLL_MS = 30_000;

const followsCall = (session: SessionSummary | null | undefined) =>
  Boolean(session?.meetLink && session.meetSpace && !session.meetSpace.attendance.callEndedAt);

/**
 * "Start Google Meet" in the session header. The first click creates the link and opens it; once a link exists
 * the button reads "Open Meet" and reopens that same link. A Calendar fallback is said plainly, errors in words.
 */
export function MeetButton({ sessionId, api }: { sessionId: string; api: MeetButtonApi }) {
  const queryClient = useQueryClient();
  const statusId = useId();
  const [fallbackUsed, setFallbackUsed] = useState(false);

  const session = useQuery({
    queryKey: sessionQueryKey(sessionId),
    queryFn: () => api.getSession(sessionId),
    retry: false,
    refetchInterval: (query) => (followsCall(query.state.data) ? CALL_POLL_MS : false),
  });
  const now = useNow();
  const start = useMutation({
    mutationFn: () => api.start(sessionId),
    onSuccess: (result) => {
      setFallbackUsed(result.usedFallback);
      if (!result.usedFallback) {
        queryClient.setQueryData<SessionSummary | null>(sessionQueryKey(sessionId), (current) =>
          current ? { ...current, meetLink: result.meetLink } : current,
        );
      }
    },
  });
  const open = useMutation({ mutationFn: () => api.open(sessionId) });

  const createdLink = start.data && !start.data.usedFallback ? start.data.meetLink : undefined;
  const link = createdLink ?? session.data?.meetLink ?? undefined;
  const busy = start.isPending || open.isPending;
  const error = start.error ?? open.error;
  const state = start.isPending ? 'starting' : link ? 'open' : 'start';
  // The status of the link the button opens (a link made by the click waits for the next fetch to have a status).
  const call: CallStatus | null = link && session.data?.meetLink === link ? callStatus(session.data, now) : null;
  const callId = `${statusId}-call`;

  // Not the solver's session (any more): no button, as the mounter decides on a page's first look.
  if (session.data === null) return null;

  const onClick = () => {
    if (busy) return;
    start.reset();
    open.reset();
    if (link) open.mutate();
    else start.mutate();
  };

  return (
    <div className="ssm-root">
      <button
        type="button"
        className="ssm-button"
        data-testid="savvysolve-meet-button"
        data-state={state}
        aria-disabled={busy ? 'true' : undefined}
        aria-busy={busy ? 'true' : undefined}
        aria-describedby={call ? `${statusId} ${callId}` : statusId}
        title={link ? withCallStatus('Open this session’s Google Meet in a new tab', call) : 'Start a Google Meet for this session'}
        onClick={onClick}
      >
        {state === 'starting' ? <span className="ssm-spinner" aria-hidden="true" /> : <CameraIcon />}
        <span>{state === 'starting' ? 'Starting Google Meet…' : link ? 'Open Meet' : 'Start Google Meet'}</span>
        {state === 'open' && <span className="ssm-live" aria-hidden="true" />}
        {link && <span className="ssm-visually-hidden"> (opens in a new tab)</span>}
      </button>
      {call && (
        <span id={callId} className={`ssm-call ssm-call-${call.tone}`} data-testid="savvysolve-meet-call-status" data-phase={call.phase}>
          <span>
            {/* Only the headline is live: the ticking minutes must not be read out every 30 s. */}
            <span role="status">{call.headline}</span>
            {call.detail && ` · ${call.detail}`}
          </span>
        </span>
      )}
      <p
        id={statusId}
        role="status"
        aria-live="polite"
        className="ssm-note ssm-note-warning"
        data-testid="savvysolve-meet-notice"
        hidden={!(fallbackUsed && !link)}
      >
        {fallbackUsed && !link ? FALLBACK_NOTICE : ''}
      </p>
      {error && (
        <p role="alert" className="ssm-note ssm-note-error" data-testid="savvysolve-meet-error">
          {start.error ? 'Couldn’t start Google Meet: ' : 'Couldn’t open the Meet: '}
          {messageOf(error)}
        </p>
      )}
    </div>
  );
}
