import { and, eq, inArray, lt, ne, or } from 'drizzle-orm';
import type { EraseCustomerResponse } from '../../shared/index.ts';
import type { Database } from '../db/client.ts';
import { hostEvents, sessions, smsDeliveries } from '../db/schema.ts';

/** What an erased session keeps in place of the customer's name; the phone becomes '' (never a valid number). */
export const ERASED_CUSTOMER_NAME = '(erased)';

/** Rows one erasure changed, per table. */
export type ErasureCounts = EraseCustomerResponse['erased'];

const holdsCustomerData = or(ne(sessions.customerPhone, ''), ne(sessions.customerName, ERASED_CUSTOMER_NAME));
const NONE: ErasureCounts = { sessions: 0, smsDeliveries: 0, hostEvents: 0 };
// Sessions erased per transaction: a first run on a year of history does not hold one huge transaction.
const BATCH = 500;

/**
 * Removes the customer's personal data from these sessions, in one transaction: the name and phone on the
 * session; the number and text of its SMS rows; the payload (`{}`) and last answer of its outbound events.
 * Everything else stays — ids, times, states, the Meet link, Twilio sids and our own error texts, event types and
 * attempts, and the whole audit trail (who did what, when: it never holds a customer's name or number) — so the
 * history still answers "what happened", not "to whom".
 */
async function eraseSessions(db: Database, sessionIds: string[]): Promise<ErasureCounts> {
  if (sessionIds.length === 0) return NONE;
  return db.transaction(async (tx) => {
    const erasedSessions = await tx
      .update(sessions)
      .set({ customerName: ERASED_CUSTOMER_NAME, customerPhone: '' })
      .where(and(inArray(sessions.id, sessionIds), holdsCustomerData))
      .returning({ id: sessions.id });
    const erasedSms = await tx
      .update(smsDeliveries)
      .set({ toNumber: '', body: '' })
      .where(and(inArray(smsDeliveries.sessionId, sessionIds), ne(smsDeliveries.toNumber, '')))
      .returning({ id: smsDeliveries.id });
    const erasedEvents = await tx
      .update(hostEvents)
      .set({ data: {}, lastError: null })
      .where(and(inArray(hostEvents.sessionId, sessionIds), ne(hostEvents.data, {})))
      .returning({ id: hostEvents.id });
    return {
      sessions: erasedSessions.length,
      smsDeliveries: erasedSms.length,
      hostEvents: erasedEvents.length,
    };
  });
}

const add = (a: ErasureCounts, b: ErasureCounts): ErasureCounts => ({
  sessions: a.sessions + b.sessions,
  smsDeliveries: a.smsDeliveries + b.smsDeliveries,
  hostEvents: a.hostEvents + b.hostEvents,
});

/**
 * Erases one customer now (a data-subject request): every session with `phone` (E.164) as the customer's number or
 * as the number one of its SMS went to, whatever its state. An active session keeps running without a number to
 * text: erase after it ended.
 */
export async function eraseCustomerByPhone(db: Database, phone: string): Promise<ErasureCounts> {
  const bySession = db.select({ id: sessions.id }).from(sessions).where(eq(sessions.customerPhone, phone));
  const bySms = db.select({ id: smsDeliveries.sessionId }).from(smsDeliveries).where(eq(smsDeliveries.toNumber, phone));
  const ids = [...new Set([...(await bySession), ...(await bySms)].map((row) => row.id))];
  let total = NONE;
  for (let start = 0; start < ids.length; start += BATCH) total = add(total, await eraseSessions(db, ids.slice(start, start + BATCH)));
  return total;
}

/**
 * The retention rule (CUSTOMER_DATA_RETENTION_DAYS): erases the sessions that ended before `cutoff` and still hold
 * customer data, in batches, until none is left.
 */
export async function eraseEndedBefore(db: Database, cutoff: Date): Promise<ErasureCounts> {
  let total = NONE;
  for (;;) {
    const batch = await db
      .select({ id: sessions.id })
      .from(sessions)
      .where(and(eq(sessions.status, 'ended'), lt(sessions.endedAt, cutoff), holdsCustomerData))
      .limit(BATCH);
    if (batch.length === 0) return total;
    total = add(
      total,
      await eraseSessions(
        db,
        batch.map((row) => row.id),
      ),
    );
  }
}
