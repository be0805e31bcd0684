import type { Transaction } from '../db/client.ts';
import { meetSpaces } from '../db/schema.ts';
import type { HostEventOutbox } from '../host/host-event-outbox.ts';
import type { Metrics } from '../metrics/metrics.ts';
import type { RealtimeOutbox } from '../realtime/outbox.ts';
import { recordSessionChange } from '../sessions/session-change.ts';
import { changedAttendance, type AttendanceFacts } from './attendance.ts';

/** The attendance stored on a `meet_spaces` row. */
export const storedAttendance = (space: typeof meetSpaces.$inferSelect): AttendanceFacts => ({
  customerJoinedAt: space.customerJoinedAt,
  customerLeftAt: space.customerLeftAt,
  solverJoinedAt: space.solverJoinedAt,
  callStartedAt: space.callStartedAt,
  callEndedAt: space.callEndedAt,
});

/**
 * Sends out what changed between two readings of a session's attendance, inside the transaction that stores `after`:
 * the audit row and the solver's realtime message, and to the host `meet.customer_joined` (first join only) and
 * `meet.call_ended` (with the call's duration in seconds). Whoever read the attendance (the poller, a pushed Meet
 * event) calls this, so every source tells the same things the same way. Returns the changed fields.
 */
export async function publishAttendanceChange(
  tx: Transaction,
  deps: { realtime: RealtimeOutbox; hostEvents: HostEventOutbox },
  change: { sessionId: string; solverId: string; before: AttendanceFacts; after: AttendanceFacts },
): Promise<(keyof AttendanceFacts)[]> {
  const { sessionId, before, after } = change;
  const changed = changedAttendance(before, after);
  if (changed.length === 0) return changed;
  await recordSessionChange(tx, deps.realtime, {
    action: 'meet_space.attendance',
    actor: 'system',
    sessionId,
    solverId: change.solverId,
    details: { changed },
  });
  if (after.customerJoinedAt && !before.customerJoinedAt) {
    await deps.hostEvents.add(tx, 'meet.customer_joined', { sessionId, joinedAt: after.customerJoinedAt.toISOString() });
  }
  if (after.callEndedAt && !before.callEndedAt) {
    const startedAt = after.callStartedAt ?? after.callEndedAt;
    await deps.hostEvents.add(tx, 'meet.call_ended', {
      sessionId,
      endedAt: after.callEndedAt.toISOString(),
      durationSeconds: Math.round((after.callEndedAt.getTime() - startedAt.getTime()) / 1000),
    });
  }
  return changed;
}

/**
 * Observes link → customer joined (`savvysolve_meet_customer_join_seconds`, seconds from `linkAt`) when `after` is the
 * customer's first join. Called once the transaction that stored `after` has committed, by whichever source (the
 * poller, a pushed Meet event) saw the join.
 */
export function observeCustomerJoin(metrics: Metrics | undefined, linkAt: Date, before: AttendanceFacts, after: AttendanceFacts): void {
  if (!after.customerJoinedAt || before.customerJoinedAt) return;
  metrics?.customerJoinSeconds.observe(Math.max(0, (after.customerJoinedAt.getTime() - linkAt.getTime()) / 1000));
}
