import { messageOf } from '../../shared/errors.ts';

/** Why live updates are off: said to the solver (side panel) and the admin (options page) in the same words. */
export type LiveOffReason =
  | { kind: 'not_configured' }
  | { kind: 'signed_out' }
  /** The token, the connection or the subscription failed; `error` is the Ably (or backend) message. */
  | { kind: 'failed'; error: string };

/**
 * Whether the session list updates live (Ably pushes) or by polling. `connecting` until the first answer; a
 * connection that drops goes to `polling` with the reason and back to `live` when Ably reconnects.
 */
export type LiveStatus = { mode: 'connecting' } | { mode: 'live' } | { mode: 'polling'; reason: LiveOffReason };

const REASON_TEXT: Record<Exclude<LiveOffReason['kind'], 'failed'>, string> = {
  not_configured: 'Ably is not configured on the backend',
  signed_out: 'sign in to connect',
};

export const liveOffReasonText = (reason: LiveOffReason) =>
  reason.kind === 'failed' ? `connecting failed: ${reason.error}` : REASON_TEXT[reason.kind];

/** "Live updates: on", "Live updates: off — <reason>", "Live updates: connecting…". */
export function liveStatusText(status: LiveStatus): string {
  if (status.mode === 'live') return 'Live updates: on';
  if (status.mode === 'connecting') return 'Live updates: connecting…';
  return `Live updates: off — ${liveOffReasonText(status.reason)}`;
}

/** Any thrown value as a live-updates failure. */
export const liveFailure = (error: unknown): LiveStatus => ({
  mode: 'polling',
  reason: { kind: 'failed', error: messageOf(error) },
});

/** Reports the live-updates status as it changes, until the returned function is called. */
export type LiveUpdatesWatcher = (onStatus: (status: LiveStatus) => void) => () => void;
