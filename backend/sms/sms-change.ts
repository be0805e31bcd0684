import { eq, sql } from 'drizzle-orm';
import type { SmsStatus } from '../../shared/index.ts';
import type { AuditAction } from '../audit/audit-log.ts';
import type { Transaction } from '../db/client.ts';
import { sessions, smsAlerts } from '../db/schema.ts';
import type { HostEventOutbox } from '../host/host-event-outbox.ts';
import type { JobQueue } from '../jobs/job-queue.ts';
import type { Logger } from '../logger.ts';
import type { RealtimeOutbox } from '../realtime/outbox.ts';
import { recordSessionChange } from '../sessions/session-change.ts';
import { errorClassOf, isTwilioCode, senderFixOf } from './twilio-error-classes.ts';

export type SmsChangeEffects = { realtime: RealtimeOutbox; hostEvents: HostEventOutbox; queue: JobQueue; log: Logger };

/** A `sender`/`content` code alerts the admin at most once in this window, across all instances (issue 21). */
export const SENDER_ALERT_WINDOW_MINUTES = 10;

/**
 * The one place an SMS delivery's new state is announced, in the transaction that stored it: the audit entry,
 * the solver's live update and the host's `sms.status_changed`; a final `sender`/`content` failure also alerts the
 * admin (see `alertSenderProblem`). Wake `realtime.publish` and `host.deliver` after.
 */
export async function recordSmsChange(
  tx: Transaction,
  effects: SmsChangeEffects,
  change: {
    sessionId: string;
    action: AuditAction;
    actor: string;
    status: SmsStatus;
    error: string | null;
    /** The stored code (Twilio's, or our own marker); only Twilio's reach the host. */
    errorCode: string | null;
    details: Record<string, unknown>;
  },
): Promise<void> {
  const [session] = await tx.select({ solverId: sessions.solverId }).from(sessions).where(eq(sessions.id, change.sessionId));
  if (!session) return;
  const errorCode = isTwilioCode(change.errorCode) ? change.errorCode : null;
  const errorClass = errorClassOf(errorCode);
  await recordSessionChange(tx, effects.realtime, {
    action: change.action,
    actor: change.actor,
    sessionId: change.sessionId,
    solverId: session.solverId,
    details: { ...change.details, errorCode, errorClass },
  });
  await effects.hostEvents.add(tx, 'sms.status_changed', {
    sessionId: change.sessionId,
    status: change.status,
    error: change.error,
    errorCode,
    errorClass,
  });
  const final = change.status === 'failed' || change.status === 'undelivered';
  if (final && errorCode && (errorClass === 'sender' || errorClass === 'content')) {
    await alertSenderProblem(tx, effects, { sessionId: change.sessionId, errorCode, errorClass, error: change.error ?? '' });
  }
}

/**
 * Tells the admin the deployment's sender is failing: an error log line with the fix and an `sms.sender_problem`
 * host event, at most once per code per SENDER_ALERT_WINDOW_MINUTES. The `sms_alerts` row is the lock: an upsert that
 * only updates a row older than the window, so of concurrent instances exactly one gets a row back.
 */
async function alertSenderProblem(
  tx: Transaction,
  effects: SmsChangeEffects,
  problem: { sessionId: string; errorCode: string; errorClass: 'sender' | 'content'; error: string },
): Promise<void> {
  // The database's clock, not each instance's.
  const now = sql`now()`;
  const [claimed] = await tx
    .insert(smsAlerts)
    .values({ errorCode: problem.errorCode, lastAlertedAt: now, error: problem.error, sessionId: problem.sessionId })
    .onConflictDoUpdate({
      target: smsAlerts.errorCode,
      set: { lastAlertedAt: now, error: problem.error, sessionId: problem.sessionId },
      setWhere: sql`${smsAlerts.lastAlertedAt} <= now() - interval '${sql.raw(String(SENDER_ALERT_WINDOW_MINUTES))} minutes'`,
    })
    .returning({ errorCode: smsAlerts.errorCode });
  if (!claimed) return;
  await effects.hostEvents.add(tx, 'sms.sender_problem', problem);
  effects.log.error('sms sender problem: customers are not getting texts', {
    ...problem,
    fix: senderFixOf(problem.errorCode),
    repeats: `reported once per ${SENDER_ALERT_WINDOW_MINUTES} minutes per code`,
  });
}
