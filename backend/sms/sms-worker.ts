import { and, eq, inArray, isNotNull, isNull, sql } from 'drizzle-orm';
import type { Database } from '../db/client.ts';
import { smsDeliveries, smsSupersededMessages } from '../db/schema.ts';
import type { JobContext, JobHandler, JobQueue } from '../jobs/job-queue.ts';
import type { Logger } from '../logger.ts';
import type { HostEventOutbox } from '../host/host-event-outbox.ts';
import type { RealtimeOutbox } from '../realtime/outbox.ts';
import { applyTwilioStatus, type CarrierRetryOptions } from './delivery-status.ts';
import { recordSmsChange } from './sms-change.ts';
import { SmsSendError, type SentSms, type SmsSender } from './twilio-sender.ts';

export type SmsWorkerDeps = {
  db: Database;
  sender: SmsSender;
  realtime: RealtimeOutbox;
  hostEvents: HostEventOutbox;
  queue: JobQueue;
  log: Logger;
  statusCallbackUrl?: string;
  carrierRetry?: CarrierRetryOptions;
};

export const INTERRUPTED =
  'Twilio’s answer to this SMS was lost (a timeout, or the backend stopped) and Twilio could not confirm it, so it may or may not have been sent. Resend it if the customer did not get it.';

type Delivery = typeof smsDeliveries.$inferSelect;

/**
 * Hands one queued SMS to Twilio, never twice. `handing_over_at` is when the current attempt began; it stays set while
 * Twilio may hold the message without our knowing its sid. By what the run finds:
 * - No attempt under way: send. 2xx → accepted with the sid. Permanent error (21610 …) → failed at once, with the
 *   reason. HTTP error, or Twilio never reached → the attempt ends; retried (last attempt: failed, "gave up"). No
 *   answer (timeout, reset, hang-up) → the attempt stays under way; retried, and the retry looks first (last attempt:
 *   looks now, and adopts or fails with INTERRUPTED).
 * - An attempt under way (its answer lost, or its worker died): look at what Twilio holds since it began. Our body to
 *   our number, sid stored by no delivery → adopted: accepted with that sid, then the status Twilio reports. Nothing →
 *   sent again, as a new attempt. Look-up failed → retried (last attempt: failed with INTERRUPTED, never a blind
 *   resend: a duplicate text is worse than a visible "may or may not have been sent" with Resend offered).
 */
export function createSmsWorker({
  db,
  sender,
  realtime,
  hostEvents,
  queue,
  log,
  statusCallbackUrl,
  carrierRetry,
}: SmsWorkerDeps): JobHandler<'sms.send'> {
  const effects = { realtime, hostEvents, queue, log };
  const setState = async (deliveryId: string, change: Partial<typeof smsDeliveries.$inferInsert> & { status: 'accepted' | 'failed' }) => {
    await db.transaction(async (tx) => {
      const [row] = await tx
        .update(smsDeliveries)
        .set({ ...change, updatedAt: new Date() })
        .where(and(eq(smsDeliveries.id, deliveryId), eq(smsDeliveries.status, 'queued')))
        .returning({ sessionId: smsDeliveries.sessionId });
      if (!row) return;
      await recordSmsChange(tx, effects, {
        action: change.status === 'failed' ? 'sms.failed' : 'sms.accepted',
        actor: 'system',
        sessionId: row.sessionId,
        status: change.status,
        error: change.errorMessage ?? null,
        errorCode: change.errorCode ?? null,
        details: {
          deliveryId,
          twilioSid: change.twilioSid ?? null,
          errorCode: change.errorCode ?? null,
          reason: change.errorMessage ?? null,
        },
      });
    });
  };

  /** Starts an attempt: only from no attempt (`previous` null) or from the unsettled one this run looked at. */
  const claim = async (deliveryId: string, previous: Date | null) => {
    const [delivery] = await db
      .update(smsDeliveries)
      .set({ attempts: sql`${smsDeliveries.attempts} + 1`, handingOverAt: new Date(), updatedAt: new Date() })
      .where(
        and(
          eq(smsDeliveries.id, deliveryId),
          eq(smsDeliveries.status, 'queued'),
          previous ? eq(smsDeliveries.handingOverAt, previous) : isNull(smsDeliveries.handingOverAt),
        ),
      )
      .returning();
    return delivery;
  };

  const remember = (deliveryId: string, failure: SmsSendError, clearAttempt: boolean) =>
    db
      .update(smsDeliveries)
      .set({
        ...(clearAttempt ? { handingOverAt: null } : {}),
        errorCode: failure.code,
        errorMessage: failure.message,
        updatedAt: new Date(),
      })
      .where(eq(smsDeliveries.id, deliveryId));

  /** The oldest message Twilio holds with this delivery's number and body that no delivery has claimed yet. */
  const findUnclaimed = async (delivery: Delivery): Promise<SentSms | undefined> => {
    const candidates = await sender.findSent({ to: delivery.toNumber, body: delivery.body, since: delivery.handingOverAt! });
    if (candidates.length === 0) return undefined;
    // A resend, and a carrier retry, text the same body on purpose: each attempt must map to its own Twilio message.
    const sids = candidates.map((candidate) => candidate.sid);
    const [stored, superseded] = await Promise.all([
      db.select({ sid: smsDeliveries.twilioSid }).from(smsDeliveries).where(inArray(smsDeliveries.twilioSid, sids)),
      db.select({ sid: smsSupersededMessages.twilioSid }).from(smsSupersededMessages).where(inArray(smsSupersededMessages.twilioSid, sids)),
    ]);
    const taken = new Set([...stored, ...superseded].map((row) => row.sid));
    return candidates.find((candidate) => !taken.has(candidate.sid));
  };

  const failUnconfirmed = async (delivery: Delivery, why: string) => {
    await setState(delivery.id, { status: 'failed', errorCode: 'interrupted', errorMessage: INTERRUPTED });
    log.error('sms state unknown: may or may not have been sent', { deliveryId: delivery.id, sessionId: delivery.sessionId, why });
  };

  /** As if our call had answered; then the status Twilio already reports (callbacks before now had no sid to match). */
  const adopt = async (delivery: Delivery, message: SentSms, { attempt, isLastAttempt }: JobContext) => {
    try {
      await setState(delivery.id, { status: 'accepted', twilioSid: message.sid, errorCode: null, errorMessage: null });
    } catch (error) {
      // Two deliveries adopting one sid at once: the unique index refuses the second, whose retry looks again.
      if (isLastAttempt) return failUnconfirmed(delivery, `adopting ${message.sid} failed: ${String(error)}`);
      throw error;
    }
    await applyTwilioStatus(
      db,
      effects,
      { messageSid: message.sid, messageStatus: message.status, errorCode: message.errorCode ?? undefined },
      carrierRetry,
    );
    log.info('sms adopted: Twilio had it although its answer was lost', {
      deliveryId: delivery.id,
      sessionId: delivery.sessionId,
      sid: message.sid,
      status: message.status,
      attempt,
    });
  };

  const asSendError = (error: unknown) => (error instanceof SmsSendError ? error : new SmsSendError(String(error), 'unknown', false));

  /** An attempt under way with no answer: look at what Twilio holds before sending again. */
  const settle = async (delivery: Delivery, context: JobContext) => {
    let found: SentSms | undefined;
    try {
      found = await findUnclaimed(delivery);
    } catch (error) {
      // Not knowing, a resend could text the customer twice: retry the look-up, and in the end say so instead.
      const failure = asSendError(error);
      if (context.isLastAttempt) return failUnconfirmed(delivery, `look-up failed: ${failure.message}`);
      await remember(delivery.id, failure, false);
      log.warn('sms look-up failed, will retry', { deliveryId: delivery.id, attempt: context.attempt, reason: failure.message });
      throw failure;
    }
    if (found) return adopt(delivery, found, context);
    // Twilio has nothing of it: the earlier attempt never reached it.
    const again = await claim(delivery.id, delivery.handingOverAt);
    if (again) await handOver(again, context);
  };

  const handOver = async (delivery: Delivery, context: JobContext) => {
    const { attempt, isLastAttempt } = context;
    let sid: string;
    try {
      ({ sid } = await sender.send({ to: delivery.toNumber, body: delivery.body, statusCallbackUrl }));
    } catch (error) {
      const failure = asSendError(error);
      if (failure.permanent) {
        await setState(delivery.id, { status: 'failed', errorCode: failure.code, errorMessage: failure.message });
        log.error('sms failed', {
          deliveryId: delivery.id,
          sessionId: delivery.sessionId,
          code: failure.code,
          reason: failure.message,
          ...(failure.unknownCode ? { unknownCode: 'not in backend/sms/twilio-error-classes.ts: classified by its kind' } : {}),
        });
        return;
      }
      if (failure.outcomeUnknown && isLastAttempt) {
        // No later run will look: look now (Twilio may not have finished with it yet, so not finding it proves nothing).
        const found = await findUnclaimed(delivery).catch(() => undefined);
        if (found) return adopt(delivery, found, context);
        return failUnconfirmed(delivery, failure.message);
      }
      if (isLastAttempt) {
        const reason = `gave up after ${attempt} attempts: ${failure.message}`;
        await setState(delivery.id, { status: 'failed', errorCode: failure.code, errorMessage: reason });
        log.error('sms failed', { deliveryId: delivery.id, sessionId: delivery.sessionId, code: failure.code, reason });
        return;
      }
      // Twilio answered with an error, or was never reached: the attempt is over. No answer: it stays under way,
      // so the retry looks at what Twilio holds first (after the queue's delay, which gives Twilio time to finish).
      await remember(delivery.id, failure, !failure.outcomeUnknown);
      log.warn('sms attempt failed, will retry', {
        deliveryId: delivery.id,
        attempt,
        code: failure.code,
        reason: failure.message,
        outcomeUnknown: failure.outcomeUnknown,
      });
      throw failure;
    }
    // Outside the try: if storing the answer fails, the attempt stays under way and the retry adopts this sid.
    await setState(delivery.id, { status: 'accepted', twilioSid: sid, errorCode: null, errorMessage: null });
    log.info('sms accepted by Twilio', { deliveryId: delivery.id, sessionId: delivery.sessionId, sid, attempt });
  };

  return async ({ deliveryId }, context) => {
    const claimed = await claim(deliveryId, null);
    if (claimed) return handOver(claimed, context);
    const [unsettled] = await db
      .select()
      .from(smsDeliveries)
      .where(and(eq(smsDeliveries.id, deliveryId), eq(smsDeliveries.status, 'queued'), isNotNull(smsDeliveries.handingOverAt)));
    // Otherwise handed over (or failed) by an earlier run.
    if (unsettled) await settle(unsettled, context);
  };
}
