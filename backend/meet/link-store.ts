import { and, eq, isNull, ne, sql } from 'drizzle-orm';
import type { Database } from '../db/client.ts';
import { sessions } from '../db/schema.ts';
import { DB_SPAN, inSpan } from '../tracing/tracing.ts';

export type StoredLink = { meetLink: string; source: 'calendar' | 'captured'; calendarEventId?: string; calendarId?: string };

export function createLinkStore(deps: { db: Database }) {
  return {
    /**
     * Stores the session's link if it has none yet, marked for fan-out (backend/meet/link-fanout.ts): one
     * statement, so the click waits for a single commit. False when another request stored a link first.
     */
    async store(sessionId: string, link: StoredLink): Promise<boolean> {
      const updated = await inSpan('UPDATE sessions', { ...DB_SPAN, 'db.operation.name': 'UPDATE', 'db.collection.name': 'sessions' }, () =>
        deps.db
          .update(sessions)
          .set({
            meetLink: link.meetLink,
            meetLinkSource: link.source,
            // The database's clock, which the fan-out sweep compares it with.
            meetLinkCreatedAt: sql`now()`,
            calendarEventId: link.calendarEventId ?? null,
            calendarId: link.calendarId ?? null,
            fanoutPending: true,
          })
          .where(and(eq(sessions.id, sessionId), isNull(sessions.meetLink)))
          .returning({ id: sessions.id }),
      );
      return updated.length > 0;
    },

    /**
     * Stores a captured room unless another session already has it as its link (`taken`: two customers would be
     * texted into one call). Captures of one room are serialised by an advisory lock on the link.
     */
    async storeCaptured(sessionId: string, meetLink: string): Promise<'stored' | 'raced' | 'taken'> {
      return deps.db.transaction(async (tx) => {
        await tx.execute(sql`select pg_advisory_xact_lock(hashtextextended(${meetLink}, 0))`);
        const [other] = await tx
          .select({ id: sessions.id })
          .from(sessions)
          .where(and(eq(sessions.meetLink, meetLink), ne(sessions.id, sessionId)))
          .limit(1);
        if (other) return 'taken';
        const updated = await tx
          .update(sessions)
          .set({
            meetLink,
            meetLinkSource: 'captured',
            meetLinkCreatedAt: sql`now()`,
            calendarEventId: null,
            calendarId: null,
            fanoutPending: true,
          })
          .where(and(eq(sessions.id, sessionId), isNull(sessions.meetLink)))
          .returning({ id: sessions.id });
        return updated.length > 0 ? 'stored' : 'raced';
      });
    },
  };
}
