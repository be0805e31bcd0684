import { useEffect, useRef, useState } from 'react';
import type { SessionSummary } from '../../../shared/index.ts';
import { messageOf } from '../../../shared/errors.ts';
import { displayLink, maskPhone, phoneLabel, smsStateText, SOURCE_LABELS } from './format.ts';
import { useOpenMeet, useResendSms, useStartMeet } from './use-sessions.ts';
import { callStatus, NUDGE_PROMPT } from '../../lib/call-status.ts';
import { useNow } from '../../lib/use-now.ts';
import { FALLBACK_NOTICE } from '../../lib/wording.ts';

async function copyText(text: string): Promise<void> {
  try {
    await navigator.clipboard.writeText(text);
  } catch {
    // Clipboard API refused (panel not focused): the classic way still works from a click.
    const area = document.createElement('textarea');
    area.value = text;
    area.setAttribute('readonly', '');
    area.style.position = 'fixed';
    area.style.opacity = '0';
    document.body.append(area);
    area.select();
    const copied = document.execCommand('copy');
    area.remove();
    if (!copied) throw new Error('The browser did not allow copying.');
  }
}

function useCopy(text: string | null) {
  const [state, setState] = useState<'idle' | 'copied' | 'failed'>('idle');
  useEffect(() => {
    if (state === 'idle') return;
    const timer = setTimeout(() => setState('idle'), 2_000);
    return () => clearTimeout(timer);
  }, [state]);
  const copy = () => {
    if (text)
      copyText(text).then(
        () => setState('copied'),
        () => setState('failed'),
      );
  };
  return { state, copy };
}

/**
 * One active session: customer, Meet link and where it came from, then the call's status (redrawn every 30 s
 * without a fetch) or, when the backend does not follow the call, the SMS state; and what can be done.
 */
export function SessionCard({ session, canStart }: { session: SessionSummary; canStart: boolean }) {
  const now = useNow();
  const start = useStartMeet();
  const open = useOpenMeet();
  const resend = useResendSms();
  const { state: copyState, copy } = useCopy(session.meetLink);
  const source = session.meetLinkSource ? SOURCE_LABELS[session.meetLinkSource] : undefined;
  const sms = smsStateText(session.sms, session.meetLink !== null);
  const fallbackJustUsed = start.data?.usedFallback === true && session.meetLink === null;
  const failure = start.error
    ? { what: 'Couldn’t start Google Meet', error: start.error }
    : open.error
      ? { what: 'Couldn’t open the Meet', error: open.error }
      : resend.error
        ? { what: 'Couldn’t resend the SMS', error: resend.error }
        : undefined;
  const call = callStatus(session, now);
  const nudge = call?.nudge === true && !resend.isPending && !resend.isSuccess;
  // A second resend within a minute asks first ("Texted 40 s ago — send again?").
  const [confirmAgo, setConfirmAgo] = useState<number>();
  const titleId = `session-${session.id}`;
  // Each card has the same buttons: their names say whose session they act on ("Open Meet for Grace Hopper").
  const whose = (words: string) => <span className="visually-hidden">{` ${words} ${session.customerName}`}</span>;
  const nudgeId = `${titleId}-nudge`;
  const confirmId = `${titleId}-confirm`;

  const askResend = () => {
    if (resend.isPending) return;
    const ago = resend.recentlyResent(session.id);
    if (ago !== undefined) setConfirmAgo(ago);
    else resend.mutate(session.id);
  };
  const confirmResend = () => {
    setConfirmAgo(undefined);
    resend.mutate(session.id);
  };

  return (
    <li className="session" aria-labelledby={titleId} data-testid="session-card" data-session-id={session.id}>
      <div className="session__head">
        <h3 id={titleId} className="session__customer">
          {session.customerName}
        </h3>
        {/* Seen as dots and four digits; heard as words ("•••" read aloud helps no one). */}
        <span className="session__phone">
          <span aria-hidden="true">{maskPhone(session.customerPhone)}</span>
          <span className="visually-hidden">{phoneLabel(session.customerPhone)}</span>
        </span>
      </div>

      <dl className="session__facts">
        <div>
          <dt>Meet</dt>
          <dd data-testid="session-link" className="session__link-line">
            {session.meetLink ? (
              // The whole link, wrapping where it must: a solver may read it out to the customer.
              <span className="session__link" title={session.meetLink}>
                {displayLink(session.meetLink)}
              </span>
            ) : (
              <span className="muted">No link yet</span>
            )}
            {source && (
              <span className={`chip chip--${source.tone}`} title={source.hint} data-testid="session-source">
                {source.text}
              </span>
            )}
          </dd>
        </div>
        {call ? (
          // While the customer is awaited the call line tells the SMS state too; after that it no longer matters.
          <div className="session__fact--call">
            <dt>Call</dt>
            <dd>
              <span className={`status status--${call.tone} session__call`} data-testid="session-call" data-phase={call.phase}>
                {/* Only the headline is live: the ticking minutes must not be read out every 30 s. */}
                <span role="status">{call.headline}</span>
                {call.detail && ` · ${call.detail}`}
              </span>
            </dd>
          </div>
        ) : (
          <div>
            <dt>SMS</dt>
            <dd>
              <span className={`status status--${sms.tone}`} data-testid="session-sms">
                {sms.text}
              </span>
            </dd>
          </div>
        )}
      </dl>

      {call?.accessWarning && (
        <p className="notice notice--warning" data-testid="session-access-warning">
          {call.accessWarning}
        </p>
      )}

      {fallbackJustUsed && (
        <p className="notice notice--warning" role="status">
          {FALLBACK_NOTICE}
        </p>
      )}
      {failure && (
        <p className="notice notice--error" role="alert" data-testid="session-error">
          {failure.what}: {messageOf(failure.error)}
        </p>
      )}

      {nudge && (
        <p id={nudgeId} className="notice notice--info" role="status" data-testid="session-nudge">
          {NUDGE_PROMPT}
        </p>
      )}
      <div className="session__actions">
        {session.meetLink ? (
          <>
            <button type="button" className="button button--primary" onClick={() => open.mutate(session.id)} disabled={open.isPending}>
              Open
              {whose('Meet for')}
            </button>
            <button type="button" className="button" onClick={copy} aria-live="polite">
              {copyState === 'copied' ? 'Copied' : copyState === 'failed' ? 'Copy failed' : 'Copy link'}
              {whose(copyState === 'copied' ? 'link for' : 'for')}
            </button>
            {confirmAgo === undefined && (
              <button
                type="button"
                className={nudge ? 'button' : 'button button--quiet'}
                onClick={askResend}
                disabled={resend.isPending}
                aria-busy={resend.isPending || undefined}
                title="Text the link to the customer again"
                aria-describedby={nudge ? nudgeId : undefined}
              >
                {resend.isPending ? 'Sending…' : 'Resend SMS'}
                {whose(resend.isPending ? 'SMS to' : 'to')}
              </button>
            )}
          </>
        ) : (
          canStart && (
            <button
              type="button"
              className="button button--primary"
              onClick={() => start.mutate(session.id)}
              disabled={start.isPending}
              aria-busy={start.isPending || undefined}
            >
              {start.isPending ? 'Starting…' : session.meetLinkSource === 'fallback' ? 'Try Calendar again' : 'Start Google Meet'}
              {whose(start.isPending ? 'Google Meet for' : 'for')}
            </button>
          )
        )}
      </div>
      {confirmAgo !== undefined && (
        <ResendConfirm id={confirmId} agoMs={confirmAgo} onConfirm={confirmResend} onCancel={() => setConfirmAgo(undefined)} />
      )}
    </li>
  );
}

/** "Texted 40 s ago — send again?" with the two answers; focus goes to the question's safe answer. */
function ResendConfirm({ id, agoMs, onConfirm, onCancel }: { id: string; agoMs: number; onConfirm: () => void; onCancel: () => void }) {
  const cancel = useRef<HTMLButtonElement>(null);
  useEffect(() => cancel.current?.focus(), []);
  const seconds = Math.max(1, Math.round(agoMs / 1000));
  return (
    <div className="notice notice--warning session__confirm" role="group" aria-labelledby={id} data-testid="session-resend-confirm">
      <p id={id} role="status">
        Texted {seconds} s ago — send again?
      </p>
      <div className="session__confirm-actions">
        <button type="button" className="button" onClick={onConfirm}>
          Send again
        </button>
        <button type="button" className="button button--quiet" onClick={onCancel} ref={cancel}>
          Cancel
        </button>
      </div>
    </div>
  );
}
