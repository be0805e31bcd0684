import type { Queryable } from '../db/client.ts';
import { auditEvents } from '../db/schema.ts';

export type AuditAction =
  | 'meet_link.created'
  | 'meet_link.fallback'
  | 'meet_link.captured'
  | 'sms.resent'
  | 'sms.queued'
  | 'meet_space.opened'
  | 'meet_space.access_failed'
  | 'meet_space.attendance'
  | 'meet_space.retired'
  | 'meet_space.retire_failed'
  | 'sms.accepted'
  | 'sms.failed'
  | 'sms.status_changed'
  | 'sms.retry_scheduled'
  | 'session.created'
  | 'session.updated'
  | 'session.reassigned'
  | 'session.ended'
  | 'host_event.refused'
  | 'host_event.failed'
  | 'solver.created'
  | 'solver.updated';

export type AuditEntry = {
  action: AuditAction;
  actor: string;
  sessionId?: string;
  solverId?: string;
  details?: Record<string, unknown>;
};

/** Appends to the audit trail, normally inside the transaction that made the change. */
export async function recordAudit(db: Queryable, entry: AuditEntry): Promise<void> {
  await db.insert(auditEvents).values({
    action: entry.action,
    actor: entry.actor,
    sessionId: entry.sessionId ?? null,
    solverId: entry.solverId ?? null,
    details: entry.details ?? {},
  });
}

export const solverActor = (solverId: string) => `solver:${solverId}`;
