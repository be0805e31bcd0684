import type { SessionSummary, SmsState } from '../../shared/index.ts';
import { smsProblemText } from './sms-words.ts';

/** Where the call stands: the room being opened, waiting for the customer, customer in, customer left, call over. */
export type CallPhase = 'opening' | 'waiting' | 'in_call' | 'left' | 'ended';
export type CallTone = 'neutral' | 'pending' | 'success' | 'warning' | 'error';

/** One status line, shown by the side panel card and the injected button alike. */
export type CallStatus = {
  phase: CallPhase;
  /** What changes rarely ("Customer in the call"): the part worth announcing to a screen reader. */
  headline: string;
  /** What ticks ("6 min", "SMS delivered 2 min ago"), or null. */
  detail: string | null;
  /** `headline · detail`. */
  text: string;
  tone: CallTone;
  /** The customer was due by now and no SMS went out since (one that failed does not count): suggest resending it. */
  nudge: boolean;
  /** The room could not be opened to the customer: they may have to knock. Null when that no longer matters. */
  accessWarning: string | null;
};

export const NUDGE_PROMPT = 'The customer has not joined yet — resend the SMS?';

const MINUTE = 60_000;
const time = (iso: string) => new Date(iso).getTime();

/** A length of time for a call line: "under 1 min", "6 min", "1 h", "1 h 5 min" ("min" and "h" never change with the number). */
export function formatDuration(ms: number): string {
  const minutes = Math.floor(Math.max(0, ms) / MINUTE);
  if (minutes < 1) return 'under 1 min';
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  const rest = minutes % 60;
  return rest === 0 ? `${hours} h` : `${hours} h ${rest} min`;
}

/** How long ago, from the clock of this browser: "just now", "2 min ago" (a server clock slightly ahead reads "just now"). */
export function formatAgo(iso: string, now: number): string {
  const ms = now - time(iso);
  return ms < MINUTE ? 'just now' : `${formatDuration(ms)} ago`;
}

/** The SMS as the waiting line tells it: when it reached the customer, or why it did not. */
export function smsProgress(sms: SmsState | null, now: number): { text: string; tone: CallTone } {
  if (!sms) return { text: 'SMS not sent yet', tone: 'pending' };
  const reason = sms.error ? `: ${sms.error}` : '';
  switch (sms.status) {
    case 'queued':
      return { text: smsProblemText('SMS queued', sms), tone: 'pending' };
    case 'accepted':
      return { text: 'SMS sending', tone: 'pending' };
    case 'sent':
      return { text: `SMS sent ${formatAgo(sms.updatedAt, now)}`, tone: 'pending' };
    case 'delivered':
      return { text: `SMS delivered ${formatAgo(sms.updatedAt, now)}`, tone: 'pending' };
    case 'undelivered':
      return { text: smsProblemText('SMS not delivered', sms), tone: 'error' };
    case 'failed':
      return { text: smsProblemText('SMS failed', sms), tone: 'error' };
    case 'skipped':
      return { text: `SMS not sent${reason || ': SMS is not configured'}`, tone: 'warning' };
  }
}

const line = (phase: CallPhase, headline: string, detail: string | null, tone: CallTone) => ({
  phase,
  headline,
  detail,
  text: detail ? `${headline} · ${detail}` : headline,
  tone,
});

/**
 * The call's status line at `now` (ms), or null when there is nothing to follow: no link yet, or the backend does
 * not control the room (MEET_SPACE_CONTROL off). Attendance comes from Meet's conference records; the customer is in
 * while `customerLeftAt` is null (a re-join clears it), and the minutes count from the first join.
 */
export function callStatus(session: Pick<SessionSummary, 'meetLink' | 'sms' | 'meetSpace'>, now: number): CallStatus | null {
  const space = session.meetSpace;
  if (!session.meetLink || !space) return null;
  const { attendance, access } = space;

  let status: Omit<CallStatus, 'nudge' | 'accessWarning'>;
  if (attendance.callEndedAt) {
    const startedAt = attendance.callStartedAt ?? attendance.customerJoinedAt;
    status = line('ended', 'Call ended', startedAt ? formatDuration(time(attendance.callEndedAt) - time(startedAt)) : null, 'neutral');
  } else if (attendance.customerJoinedAt && !attendance.customerLeftAt) {
    status = line('in_call', 'Customer in the call', formatDuration(now - time(attendance.customerJoinedAt)), 'success');
  } else if (attendance.customerJoinedAt && attendance.customerLeftAt) {
    status = line('left', 'Customer left', formatAgo(attendance.customerLeftAt, now), 'warning');
  } else if (access.state === 'pending') {
    // The SMS waits for this step (briefly): nothing is wrong yet.
    status = line('opening', 'Opening the room to the customer…', null, 'pending');
  } else {
    const sms = smsProgress(session.sms, now);
    status = line(
      'waiting',
      'Waiting for the customer',
      sms.text,
      access.state === 'failed' && sms.tone === 'pending' ? 'warning' : sms.tone,
    );
  }

  // A resend (an SMS on its way or delivered, newer than the nudge time) answers the nudge; one that failed since
  // does not. Resending a skipped SMS would only skip again.
  const smsFailed = session.sms?.status === 'undelivered' || session.sms?.status === 'failed';
  const nudge =
    status.phase === 'waiting' &&
    space.nudgeResendAt !== null &&
    now >= time(space.nudgeResendAt) &&
    session.sms?.status !== 'skipped' &&
    !(session.sms && !smsFailed && time(session.sms.updatedAt) > time(space.nudgeResendAt));

  // Once the customer is in (or the call is over) a knock no longer matters; a customer who left knocks to come back.
  const knockMatters = status.phase === 'waiting' || status.phase === 'left';
  const accessWarning =
    access.state === 'failed' && knockMatters
      ? `The customer may have to ask to join${access.problem ? `: ${access.problem.replace(/\.$/, '')}` : ''}.`
      : null;

  return { ...status, nudge, accessWarning };
}

/** The tooltip of a Meet action: what it does, then the call's status and any access warning, one per line. */
export function withCallStatus(action: string, status: CallStatus | null): string {
  return [action, status?.text, status?.accessWarning].filter(Boolean).join('\n');
}
