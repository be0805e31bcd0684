import { and, asc, desc, eq, inArray } from 'drizzle-orm';
import type { AdminSession, SessionSummary, SmsState } from '../../shared/index.ts';
import type { Queryable } from '../db/client.ts';
import { auditEvents, hostEvents, sessions, smsDeliveries } from '../db/schema.ts';

type SessionRow = typeof sessions.$inferSelect;

/** The latest SMS of each session: the state the side panel shows. */
async function latestSms(db: Queryable, sessionIds: string[]): Promise<Map<string, SmsState>> {
  if (sessionIds.length === 0) return new Map();
  const rows = await db
    .selectDistinctOn([smsDeliveries.sessionId], {
      sessionId: smsDeliveries.sessionId,
      status: smsDeliveries.status,
      error: smsDeliveries.errorMessage,
      updatedAt: smsDeliveries.updatedAt,
    })
    .from(smsDeliveries)
    .where(inArray(smsDeliveries.sessionId, sessionIds))
    .orderBy(smsDeliveries.sessionId, desc(smsDeliveries.createdAt));
  return new Map(rows.map((row) => [row.sessionId, { status: row.status, error: row.error, updatedAt: row.updatedAt.toISOString() }]));
}

const toSummary = (row: SessionRow, sms: SmsState | undefined): SessionSummary => ({
  id: row.id,
  customerName: row.customerName,
  customerPhone: row.customerPhone,
  status: row.status,
  meetLink: row.meetLink,
  meetLinkSource: row.meetLinkSource,
  sms: sms ?? null,
  createdAt: row.createdAt.toISOString(),
});

/** The solver's active sessions, newest first. */
export async function listActiveSessions(db: Queryable, solverId: string): Promise<SessionSummary[]> {
  const rows = await db
    .select()
    .from(sessions)
    .where(and(eq(sessions.solverId, solverId), eq(sessions.status, 'active')))
    .orderBy(desc(sessions.createdAt))
    .limit(200);
  const sms = await latestSms(
    db,
    rows.map((row) => row.id),
  );
  return rows.map((row) => toSummary(row, sms.get(row.id)));
}

/** Sessions for the admin's list: active ones by default, newest first. */
export async function listSessionsForAdmin(
  db: Queryable,
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
  const sms = await latestSms(
    db,
    rows.map((row) => row.id),
  );
  return rows.map((row) => ({ ...toSummary(row, sms.get(row.id)), solverId: row.solverId }));
}

/** One session with everything an admin may want to see. */
export async function getAdminSession(db: Queryable, sessionId: string): Promise<AdminSession | undefined> {
  const [row] = await db.select().from(sessions).where(eq(sessions.id, sessionId)).limit(1);
  if (!row) return undefined;
  const sms = await latestSms(db, [row.id]);
  const audit = await db.select().from(auditEvents).where(eq(auditEvents.sessionId, row.id)).orderBy(asc(auditEvents.createdAt));
  const events = await db.select().from(hostEvents).where(eq(hostEvents.sessionId, row.id)).orderBy(asc(hostEvents.createdAt));
  return {
    ...toSummary(row, sms.get(row.id)),
    solverId: row.solverId,
    calendarEventId: row.calendarEventId,
    calendarId: row.calendarId,
    endedAt: row.endedAt?.toISOString() ?? null,
    hostEvents: events.map((event) => ({
      id: event.id,
      type: event.type,
      status: event.status,
      attempts: event.attempts,
      lastError: event.lastError,
      createdAt: event.createdAt.toISOString(),
      deliveredAt: event.deliveredAt?.toISOString() ?? null,
    })),
    audit: audit.map((entry) => ({ action: entry.action, actor: entry.actor, details: entry.details, at: entry.createdAt.toISOString() })),
  };
}
