import { recordAudit, type AuditEntry } from '../audit/audit-log.ts';
import type { Transaction } from '../db/client.ts';
import type { RealtimeOutbox } from '../realtime/outbox.ts';

/**
 * Every change to a session is audited and announced to its solver's extension, in the transaction that
 * made it: both happen if and only if the change commits.
 */
export async function recordSessionChange(
  tx: Transaction,
  realtime: RealtimeOutbox,
  entry: AuditEntry & { sessionId: string; solverId: string },
): Promise<void> {
  await recordAudit(tx, entry);
  await realtime.sessionUpdated(tx, { solverId: entry.solverId, sessionId: entry.sessionId });
}
