import { eq } from 'drizzle-orm';
import type { SmsStatus } from '../../shared/index.ts';
import type { AuditAction } from '../audit/audit-log.ts';
import type { Transaction } from '../db/client.ts';
import { sessions } from '../db/schema.ts';
import type { HostEventOutbox } from '../host/host-event-outbox.ts';
import type { RealtimeOutbox } from '../realtime/outbox.ts';
import { recordSessionChange } from '../sessions/session-change.ts';

export type SmsChangeEffects = { realtime: RealtimeOutbox; hostEvents: HostEventOutbox };

/**
 * The one place an SMS delivery's new state is announced, in the transaction that stored it: the audit entry,
 * the solver's live update and the host's `sms.status_changed`. Wake `realtime.publish` and `host.deliver` after.
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
}
