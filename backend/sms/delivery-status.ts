import { and, eq, inArray } from 'drizzle-orm';
import type { SmsStatus } from '../../shared/index.ts';
import type { Database } from '../db/client.ts';
import { sessions, smsDeliveries } from '../db/schema.ts';
import type { RealtimeOutbox } from '../realtime/outbox.ts';
import { recordSessionChange } from '../sessions/session-change.ts';

/** Twilio's message statuses mapped onto ours; states Twilio reports before `sent` all mean "accepted". */
const FROM_TWILIO: Record<string, SmsStatus> = {
  accepted: 'accepted',
  queued: 'accepted',
  sending: 'accepted',
  sent: 'sent',
  delivered: 'delivered',
  undelivered: 'undelivered',
  failed: 'failed',
};

/** States a delivery may move out of towards `next`: callbacks can arrive late or out of order. */
const EARLIER: Record<SmsStatus, SmsStatus[]> = {
  queued: [],
  skipped: [],
  accepted: ['queued'],
  sent: ['queued', 'accepted'],
  delivered: ['queued', 'accepted', 'sent'],
  undelivered: ['queued', 'accepted', 'sent'],
  failed: ['queued', 'accepted', 'sent'],
};

export type StatusCallback = { messageSid: string; messageStatus: string; errorCode?: string };

/** Applies a Twilio status callback; returns whether anything changed. */
export async function applyTwilioStatus(db: Database, realtime: RealtimeOutbox, callback: StatusCallback): Promise<boolean> {
  const next = FROM_TWILIO[callback.messageStatus];
  if (!next) return false;
  const failed = next === 'failed' || next === 'undelivered';
  return db.transaction(async (tx) => {
    const [row] = await tx
      .update(smsDeliveries)
      .set({
        status: next,
        updatedAt: new Date(),
        ...(failed
          ? {
              errorCode: callback.errorCode ?? null,
              errorMessage: `Twilio reported ${next}${callback.errorCode ? ` (error ${callback.errorCode})` : ''}`,
            }
          : {}),
      })
      .where(and(eq(smsDeliveries.twilioSid, callback.messageSid), inArray(smsDeliveries.status, EARLIER[next])))
      .returning({ sessionId: smsDeliveries.sessionId });
    if (!row) return false;
    const [session] = await tx.select({ solverId: sessions.solverId }).from(sessions).where(eq(sessions.id, row.sessionId));
    if (session) {
      await recordSessionChange(tx, realtime, {
        action: 'sms.status_changed',
        actor: 'twilio',
        sessionId: row.sessionId,
        solverId: session.solverId,
        details: { status: next, errorCode: callback.errorCode ?? null },
      });
    }
    return true;
  });
}
