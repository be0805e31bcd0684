import { and, eq, inArray } from 'drizzle-orm';
import type { SmsStatus } from '../../shared/index.ts';
import type { Database } from '../db/client.ts';
import { smsDeliveries } from '../db/schema.ts';
import { recordSmsChange, type SmsChangeEffects } from './sms-change.ts';

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

/**
 * The delivery state a Twilio status moves `current` to, or undefined when it must not move: an unknown status, a
 * late or out-of-order callback (`sent` after `delivered`), a duplicate, or a final state.
 */
export function nextStatus(current: SmsStatus, reported: string): SmsStatus | undefined {
  const next = FROM_TWILIO[reported];
  return next && EARLIER[next].includes(current) ? next : undefined;
}

export type StatusCallback = { messageSid: string; messageStatus: string; errorCode?: string };

/** Applies a Twilio status callback; returns whether anything changed. */
export async function applyTwilioStatus(db: Database, effects: SmsChangeEffects, callback: StatusCallback): Promise<boolean> {
  const next = FROM_TWILIO[callback.messageStatus];
  if (!next) return false;
  const failed = next === 'failed' || next === 'undelivered';
  const errorMessage = failed ? `Twilio reported ${next}${callback.errorCode ? ` (error ${callback.errorCode})` : ''}` : null;
  return db.transaction(async (tx) => {
    const [row] = await tx
      .update(smsDeliveries)
      .set({
        status: next,
        updatedAt: new Date(),
        ...(failed ? { errorCode: callback.errorCode ?? null, errorMessage } : {}),
      })
      .where(and(eq(smsDeliveries.twilioSid, callback.messageSid), inArray(smsDeliveries.status, EARLIER[next])))
      .returning({ sessionId: smsDeliveries.sessionId });
    if (!row) return false;
    await recordSmsChange(tx, effects, {
      action: 'sms.status_changed',
      actor: 'twilio',
      sessionId: row.sessionId,
      status: next,
      error: errorMessage,
      errorCode: failed ? (callback.errorCode ?? null) : null,
      details: { status: next, errorCode: callback.errorCode ?? null },
    });
    return true;
  });
}
