import { and, eq, isNull, sql } from 'drizzle-orm';
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
  };
}
