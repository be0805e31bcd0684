import { and, eq, inArray } from 'drizzle-orm';
import type { SmsStatus } from '../../shared/index.ts';
import type { Database, Transaction } from '../db/client.ts';
import { smsDeliveries, smsSupersededMessages } from '../db/schema.ts';
import { recordSmsChange, type SmsChangeEffects } from './sms-change.ts';
import { classifyTwilioError } from './twilio-error-classes.ts';

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

/** `temporary` failures reported by a status callback are sent again at most this many times after the first try. */
export const MAX_CARRIER_RETRIES = 2;
/** The first carrier retry waits this long, the next twice as long (the first within 60 s, as issue 21 asks). */
export const CARRIER_RETRY_DELAY_SECONDS = 20;

export type CarrierRetryOptions = { baseDelaySeconds?: number };

/**
 * Applies a Twilio status callback (or the status a look-up found); returns whether anything changed. Callbacks for a
 * message that is not a delivery's current one (an earlier attempt's, or unknown) change nothing. A final failure is
 * worded by backend/sms/twilio-error-classes.ts; a `temporary` one with retries left puts the delivery back in the
 * queue (status `queued`, after CARRIER_RETRY_DELAY_SECONDS × 2^(retry-1)) as a new send of the same delivery: its
 * worker claims it like any send, so there is never more than one attempt in flight, and the old message's sid is kept
 * in `sms_superseded_messages` so neither its late callbacks nor a look-up can take it for the new one.
 */
export async function applyTwilioStatus(
  db: Database,
  effects: SmsChangeEffects,
  callback: StatusCallback,
  { baseDelaySeconds = CARRIER_RETRY_DELAY_SECONDS }: CarrierRetryOptions = {},
): Promise<boolean> {
  const next = FROM_TWILIO[callback.messageStatus];
  if (!next) return false;
  const failed = next === 'failed' || next === 'undelivered';
  const errorCode = failed ? (callback.errorCode ?? null) : null;
  const classified = errorCode ? classifyTwilioError(errorCode) : undefined;
  const changed = await db.transaction(async (tx) => {
    const [row] = await tx
      .select()
      .from(smsDeliveries)
      .where(and(eq(smsDeliveries.twilioSid, callback.messageSid), inArray(smsDeliveries.status, EARLIER[next])))
      .for('update');
    if (!row) return false;
    if (classified?.errorClass === 'temporary' && row.carrierRetries < MAX_CARRIER_RETRIES) {
      await scheduleCarrierRetry(tx, effects, row, classified.error, errorCode!, baseDelaySeconds);
      return true;
    }
    const tries = row.carrierRetries + 1;
    const errorMessage = failed
      ? `${classified?.error ?? `Twilio could not ${next === 'failed' ? 'send' : 'deliver'} the text.`}${tries > 1 ? ` Tried ${tries} times.` : ''}`
      : null;
    await tx
      .update(smsDeliveries)
      .set({ status: next, updatedAt: new Date(), ...(failed ? { errorCode, errorMessage } : {}) })
      .where(eq(smsDeliveries.id, row.id));
    await recordSmsChange(tx, effects, {
      action: 'sms.status_changed',
      actor: 'twilio',
      sessionId: row.sessionId,
      status: next,
      error: failed ? errorMessage : row.errorMessage,
      errorCode: failed ? errorCode : row.errorCode,
      details: { status: next, twilioSid: callback.messageSid },
    });
    return true;
  });
  if (classified && !classified.known) {
    effects.log.warn('twilio error code not in the table: classified by its kind', {
      code: errorCode,
      errorClass: classified.errorClass,
      sid: callback.messageSid,
    });
  }
  return changed;
}

async function scheduleCarrierRetry(
  tx: Transaction,
  effects: SmsChangeEffects,
  row: typeof smsDeliveries.$inferSelect,
  meaning: string,
  errorCode: string,
  baseDelaySeconds: number,
) {
  const retry = row.carrierRetries + 1;
  const delaySeconds = baseDelaySeconds * 2 ** (retry - 1);
  const errorMessage = `${meaning} Sending it again in ${delaySeconds} seconds (retry ${retry} of ${MAX_CARRIER_RETRIES}).`;
  await tx.insert(smsSupersededMessages).values({ twilioSid: row.twilioSid!, deliveryId: row.id, errorCode });
  await tx
    .update(smsDeliveries)
    .set({
      status: 'queued',
      twilioSid: null,
      handingOverAt: null,
      carrierRetries: retry,
      errorCode,
      errorMessage,
      updatedAt: new Date(),
    })
    .where(eq(smsDeliveries.id, row.id));
  await effects.queue.enqueue(tx, 'sms.send', { deliveryId: row.id }, { startAfterSeconds: delaySeconds });
  await recordSmsChange(tx, effects, {
    action: 'sms.retry_scheduled',
    actor: 'twilio',
    sessionId: row.sessionId,
    status: 'queued',
    error: errorMessage,
    errorCode,
    details: { supersededSid: row.twilioSid, retry, delaySeconds },
  });
  effects.log.warn('sms not delivered (temporary): sending again', {
    deliveryId: row.id,
    sessionId: row.sessionId,
    code: errorCode,
    retry,
    delaySeconds,
  });
}
