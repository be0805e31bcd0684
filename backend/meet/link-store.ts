import { and, eq, isNull } from 'drizzle-orm';
import { meetSmsBody } from '../../shared/index.ts';
import { solverActor } from '../audit/audit-log.ts';
import type { Database } from '../db/client.ts';
import { sessions } from '../db/schema.ts';
import type { RealtimeOutbox } from '../realtime/outbox.ts';
import { recordSessionChange } from '../sessions/session-change.ts';
import type { SmsOutbox } from '../sms/sms-outbox.ts';
import type { SolverRow } from '../solvers/solver-store.ts';

export type StoredLink = { meetLink: string; source: 'calendar' | 'captured'; calendarEventId?: string; calendarId?: string };

export function createLinkStore(deps: { db: Database; sms: SmsOutbox; realtime: RealtimeOutbox; now?: () => Date }) {
  const now = deps.now ?? (() => new Date());
  return {
    /**
     * Stores the session's link if it has none yet and, in the same transaction, queues the SMS and the
     * realtime messages. False when another request stored a link first.
     */
    async store(solver: SolverRow, session: typeof sessions.$inferSelect, link: StoredLink): Promise<boolean> {
      const { meetLink, source } = link;
      return deps.db.transaction(async (tx) => {
        const [updated] = await tx
          .update(sessions)
          .set({
            meetLink,
            meetLinkSource: source,
            meetLinkCreatedAt: now(),
            calendarEventId: link.calendarEventId ?? null,
            calendarId: link.calendarId ?? null,
          })
          .where(and(eq(sessions.id, session.id), isNull(sessions.meetLink)))
          .returning({ id: sessions.id });
        if (!updated) return false;
        const sms = await deps.sms.queue(tx, {
          sessionId: session.id,
          to: session.customerPhone,
          body: meetSmsBody(solver.name, meetLink),
        });
        await deps.realtime.meetLinkMessage(tx, { sessionId: session.id, solverName: solver.name, meetLink });
        await recordSessionChange(tx, deps.realtime, {
          action: source === 'calendar' ? 'meet_link.created' : 'meet_link.captured',
          actor: solverActor(solver.id),
          solverId: solver.id,
          sessionId: session.id,
          details: {
            source,
            delegationSubject: link.calendarId ?? null,
            calendarEventId: link.calendarEventId ?? null,
            sms: sms.skipped ? 'skipped' : 'queued',
          },
        });
        return true;
      });
    },
  };
}
