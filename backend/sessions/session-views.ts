import { and, asc, desc, eq, inArray } from 'drizzle-orm';
import type { AdminSession, MeetSpaceState, SessionSummary, SmsState } from '../../shared/index.ts';
import type { Database } from '../db/client.ts';
import type { SolverRow } from '../solvers/solver-store.ts';
import { auditEvents, hostEvents, meetSpaces, sessions, smsDeliveries } from '../db/schema.ts';
import { smsErrorFields } from '../sms/twilio-error-classes.ts';

type SessionRow = typeof sessions.$inferSelect;
type SpaceRow = typeof meetSpaces.$inferSelect;

export type SessionViews = ReturnType<typeof createSessionViews>;

const iso = (value: Date | null) => value?.toISOString() ?? null;

/**
 * What the side panel and the admin see of sessions: the row, its latest SMS and its Meet space, read in three
 * queries however many sessions. `customerJoinNudgeMinutes` (CUSTOMER_JOIN_NUDGE_MINUTES): when the panel suggests
 * resending the SMS to a customer who has not joined.
 */
export function createSessionViews(
  db: Database,
  {
    customerJoinNudgeMinutes = 3,
    pullSession,
  }: {
    customerJoinNudgeMinutes?: number;
    /** Asks the SavvySolve app about a session unknown here and stores it (backend/host/host-sync.ts). */
    pullSession?: (sessionId: string, solver: SolverRow) => Promise<boolean>;
  } = {},
) {
  /** The latest SMS of each session: the state the side panel shows. */
  async function latestSms(sessionIds: string[]): Promise<Map<string, SmsState>> {
    if (sessionIds.length === 0) return new Map();
    const rows = await db
      .selectDistinctOn([smsDeliveries.sessionId], {
        sessionId: smsDeliveries.sessionId,
        status: smsDeliveries.status,
        error: smsDeliveries.errorMessage,
        errorCode: smsDeliveries.errorCode,
        updatedAt: smsDeliveries.updatedAt,
      })
      .from(smsDeliveries)
      .where(inArray(smsDeliveries.sessionId, sessionIds))
      .orderBy(smsDeliveries.sessionId, desc(smsDeliveries.createdAt));
    return new Map(
      rows.map((row) => [
        row.sessionId,
        { status: row.status, ...smsErrorFields(row.errorCode, row.error), updatedAt: row.updatedAt.toISOString() },
      ]),
    );
  }

  async function spacesOf(sessionIds: string[]): Promise<Map<string, SpaceRow>> {
    if (sessionIds.length === 0) return new Map();
    const rows = await db.select().from(meetSpaces).where(inArray(meetSpaces.sessionId, sessionIds));
    return new Map(rows.map((row) => [row.sessionId, row]));
  }

  const toSpaceState = (space: SpaceRow, session: SessionRow): MeetSpaceState => ({
    access: {
      state: space.accessState,
      accessType: (space.accessType as MeetSpaceState['access']['accessType']) ?? null,
      problem: space.accessProblem,
    },
    attendance: {
      customerJoinedAt: iso(space.customerJoinedAt),
      customerLeftAt: iso(space.customerLeftAt),
      solverJoinedAt: iso(space.solverJoinedAt),
      callStartedAt: iso(space.callStartedAt),
      callEndedAt: iso(space.callEndedAt),
    },
    nudgeResendAt: session.meetLinkCreatedAt
      ? new Date(session.meetLinkCreatedAt.getTime() + customerJoinNudgeMinutes * 60_000).toISOString()
      : null,
    retired: (space.retireState as MeetSpaceState['retired']) ?? null,
  });

  async function summaries(rows: SessionRow[]): Promise<SessionSummary[]> {
    const ids = rows.map((row) => row.id);
    const [sms, spaces] = await Promise.all([latestSms(ids), spacesOf(ids)]);
    return rows.map((row) => {
      const space = spaces.get(row.id);
      return {
        id: row.id,
        customerName: row.customerName,
        customerPhone: row.customerPhone,
        status: row.status,
        meetLink: row.meetLink,
        meetLinkSource: row.meetLinkSource,
        sms: sms.get(row.id) ?? null,
        meetSpace: space ? toSpaceState(space, row) : null,
        createdAt: row.createdAt.toISOString(),
      };
    });
  }

  return {
    /**
     * One of the solver's sessions (the content script asks before it shows the button). One this backend does not
     * know is asked of the SavvySolve app first. Undefined for a missing session and for another solver's alike.
     * @throws ApiError 503 when the SavvySolve app cannot be asked; 429 over the solver's pull budget.
     */
    async getOwn(solver: SolverRow, sessionId: string): Promise<SessionSummary | undefined> {
      const read = () => db.select().from(sessions).where(eq(sessions.id, sessionId)).limit(1);
      let [row] = await read();
      if (!row && pullSession && (await pullSession(sessionId, solver))) [row] = await read();
      if (!row || row.solverId !== solver.id) return undefined;
      return (await summaries([row]))[0];
    },

    /** The solver's active sessions, newest first. */
    async listActive(solverId: string): Promise<SessionSummary[]> {
      const rows = await db
        .select()
        .from(sessions)
        .where(and(eq(sessions.solverId, solverId), eq(sessions.status, 'active')))
        .orderBy(desc(sessions.createdAt))
        .limit(200);
      return summaries(rows);
    },

    /** Sessions for the admin's list: active ones by default, newest first. */
    async listForAdmin(
      filter: { solverId?: string; includeEnded?: boolean; limit?: number } = {},
    ): Promise<(SessionSummary & { solverId: string })[]> {
      const conditions = [
        ...(filter.solverId ? [eq(sessions.solverId, filter.solverId)] : []),
        ...(filter.includeEnded ? [] : [eq(sessions.status, 'active' as const)]),
      ];
      const rows = await db
        .select()
        .from(sessions)
        .where(and(...conditions))
        .orderBy(desc(sessions.createdAt))
        .limit(filter.limit ?? 200);
      const views = await summaries(rows);
      return views.map((view, index) => ({ ...view, solverId: rows[index]!.solverId }));
    },

    /** One session with everything an admin may want to see; undefined when there is none. */
    async getForAdmin(sessionId: string): Promise<AdminSession | undefined> {
      const [row] = await db.select().from(sessions).where(eq(sessions.id, sessionId)).limit(1);
      if (!row) return undefined;
      // The state first, then the append-only trails: on Postgres parallel reads are separate snapshots, and a trail
      // read before the state could miss the entry of a change the state already shows (retired, without its audit).
      const [summary] = await summaries([row]);
      const [audit, events, [space]] = await Promise.all([
        db.select().from(auditEvents).where(eq(auditEvents.sessionId, row.id)).orderBy(asc(auditEvents.createdAt)),
        db.select().from(hostEvents).where(eq(hostEvents.sessionId, row.id)).orderBy(asc(hostEvents.createdAt)),
        db.select().from(meetSpaces).where(eq(meetSpaces.sessionId, row.id)),
      ]);
      return {
        ...summary!,
        solverId: row.solverId,
        calendarEventId: row.calendarEventId,
        calendarId: row.calendarId,
        meetSpaceName: space?.spaceName ?? null,
        meetSpaceRetireProblem: space?.retireProblem ?? null,
        endedAt: iso(row.endedAt),
        hostEvents: events.map((event) => ({
          id: event.id,
          type: event.type,
          status: event.status,
          attempts: event.attempts,
          lastError: event.lastError,
          createdAt: event.createdAt.toISOString(),
          deliveredAt: iso(event.deliveredAt),
        })),
        audit: audit.map((entry) => ({
          action: entry.action,
          actor: entry.actor,
          details: entry.details,
          at: entry.createdAt.toISOString(),
        })),
      };
    },
  };
}
