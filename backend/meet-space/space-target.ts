import { eq } from 'drizzle-orm';
import type { Queryable } from '../db/client.ts';
import { meetSpaces, sessions, solvers } from '../db/schema.ts';

export type SpaceTarget = {
  space: typeof meetSpaces.$inferSelect;
  session: typeof sessions.$inferSelect;
  /**
   * Who the API acts as: the space's owner (the calendar that made the room, or the solver who captured it), also
   * after a reassignment; for a room stored before owners were, the calendar, else the current solver.
   */
  subject: string | null;
  solverAccountId: string | null;
  /** The session's solver is disabled (their live spaces' Meet event subscriptions are deleted). */
  solverDisabled: boolean;
};

/** A session's Meet space with what the workers need to act on it; undefined when it has none. */
export async function loadSpaceTarget(db: Queryable, sessionId: string): Promise<SpaceTarget | undefined> {
  const [row] = await db
    .select({
      space: meetSpaces,
      session: sessions,
      googleEmail: solvers.googleEmail,
      solverAccountId: solvers.googleAccountId,
      solverDisabled: solvers.disabled,
    })
    .from(meetSpaces)
    .innerJoin(sessions, eq(sessions.id, meetSpaces.sessionId))
    .innerJoin(solvers, eq(solvers.id, sessions.solverId))
    .where(eq(meetSpaces.sessionId, sessionId));
  if (!row) return undefined;
  return {
    space: row.space,
    session: row.session,
    subject: row.space.ownerEmail ?? row.session.calendarId ?? row.googleEmail,
    solverAccountId: row.solverAccountId,
    solverDisabled: row.solverDisabled,
  };
}
