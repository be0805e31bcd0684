import { eq } from 'drizzle-orm';
import type { SmsStatus } from '../../shared/index.ts';
import type { AuditAction } from '../audit/audit-log.ts';
import type { Transaction } from '../db/client.ts';
import { sessions } from '../db/schema.ts';
import type { HostEventOutbox } from '../host/host-event-outbox.ts';
import type { Metrics } from '../metrics/metrics.ts';
import type { RealtimeOutbox } from '../realtime/outbox.ts';
import { recordSessionChange } from '../sessions/session-change.ts';
import { smsErrorClass } from './sms-error-class.ts';

/** `metrics`: final states are counted in savvysolve_meet_sms_total. */
export type SmsChangeEffects = { realtime: RealtimeOutbox; hostEvents: HostEventOutbox; metrics?: Metrics };

/**
 * The one place an SMS delivery's new state is announced, in the transaction that stored it: the audit entry,
 * the solver's live update, the host's `sms.status_changed`, and a final state's count. Wake `realtime.publish` and
 * `host.deliver` after.
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
    /** Twilio's error code (or ours, e.g. `interrupted`) for an undelivered or failed message. */
    errorCode: string | null;
    details: Record<string, unknown>;
  },
): Promise<void> {
  const [session] = await tx.select({ solverId: sessions.solverId }).from(sessions).where(eq(sessions.id, change.sessionId));
  if (!session) return;
  await recordSessionChange(tx, effects.realtime, {
    action: change.action,
    actor: change.actor,
    sessionId: change.sessionId,
    solverId: session.solverId,
    details: change.details,
  });
  await effects.hostEvents.add(tx, 'sms.status_changed', { sessionId: change.sessionId, status: change.status, error: change.error });
  if (change.status === 'delivered' || change.status === 'undelivered' || change.status === 'failed') {
    effects.metrics?.sms.inc({
      status: change.status,
      error_class: smsErrorClass(change.status === 'delivered' ? null : change.errorCode),
    });
  }
}
