import { and, eq, isNotNull, isNull, sql } from 'drizzle-orm';
import type { Database } from '../db/client.ts';
import { smsDeliveries } from '../db/schema.ts';
import type { JobHandler } from '../jobs/job-queue.ts';
import type { Logger } from '../logger.ts';
import type { HostEventOutbox } from '../host/host-event-outbox.ts';
import type { RealtimeOutbox } from '../realtime/outbox.ts';
import { recordSmsChange } from './sms-change.ts';
import { SmsSendError, type SmsSender } from './twilio-sender.ts';

export type SmsWorkerDeps = {
  db: Database;
  sender: SmsSender;
  realtime: RealtimeOutbox;
  hostEvents: HostEventOutbox;
  log: Logger;
  statusCallbackUrl?: string;
};

export const INTERRUPTED =
  'The backend stopped while handing this SMS to Twilio, so it may or may not have been sent. Resend it if the customer did not get it.';

/**
 * Hands one queued SMS to Twilio. Permanent errors fail it at once with the reason; transient ones are
 * rethrown so the queue retries with backoff, and the last attempt marks it failed instead of dropping it.
 */
export function createSmsWorker({ db, sender, realtime, hostEvents, log, statusCallbackUrl }: SmsWorkerDeps): JobHandler<'sms.send'> {
  const setState = async (deliveryId: string, change: Partial<typeof smsDeliveries.$inferInsert> & { status: 'accepted' | 'failed' }) => {
    await db.transaction(async (tx) => {
      const [row] = await tx
        .update(smsDeliveries)
        .set({ ...change, updatedAt: new Date() })
        .where(eq(smsDeliveries.id, deliveryId))
        .returning({ sessionId: smsDeliveries.sessionId });
      if (!row) return;
      await recordSmsChange(
        tx,
        { realtime, hostEvents },
        {
          action: change.status === 'failed' ? 'sms.failed' : 'sms.accepted',
          actor: 'system',
          sessionId: row.sessionId,
          status: change.status,
          error: change.errorMessage ?? null,
          details: {
            deliveryId,
            twilioSid: change.twilioSid ?? null,
            errorCode: change.errorCode ?? null,
            reason: change.errorMessage ?? null,
          },
        },
      );
    });
  };

  return async ({ deliveryId }, { attempt, isLastAttempt }) => {
    const [delivery] = await db
      .update(smsDeliveries)
      .set({ attempts: sql`${smsDeliveries.attempts} + 1`, handingOverAt: new Date() })
      .where(and(eq(smsDeliveries.id, deliveryId), eq(smsDeliveries.status, 'queued'), isNull(smsDeliveries.handingOverAt)))
      .returning();
    if (!delivery) {
      // Either handed over (or failed) by an earlier run, or an earlier run died while Twilio had the request:
      // it may have been sent, so sending again could text the customer twice. Say so instead.
      const interrupted = await db
        .select({ id: smsDeliveries.id })
        .from(smsDeliveries)
        .where(and(eq(smsDeliveries.id, deliveryId), eq(smsDeliveries.status, 'queued'), isNotNull(smsDeliveries.handingOverAt)));
      if (interrupted.length > 0) {
        await setState(deliveryId, { status: 'failed', errorCode: 'interrupted', errorMessage: INTERRUPTED });
        log.error('sms state unknown after an interrupted send', { deliveryId });
      }
      return;
    }

    try {
      const { sid } = await sender.send({ to: delivery.toNumber, body: delivery.body, statusCallbackUrl });
      await setState(deliveryId, { status: 'accepted', twilioSid: sid, errorCode: null, errorMessage: null });
      log.info('sms accepted by Twilio', { deliveryId, sessionId: delivery.sessionId, sid, attempt });
    } catch (error) {
      const failure = error instanceof SmsSendError ? error : new SmsSendError(String(error), 'unknown', false);
      if (failure.permanent || isLastAttempt) {
        const reason = failure.permanent ? failure.message : `gave up after ${attempt} attempts: ${failure.message}`;
        await setState(deliveryId, { status: 'failed', errorCode: failure.code, errorMessage: reason });
        log.error('sms failed', { deliveryId, sessionId: delivery.sessionId, code: failure.code, reason });
        return;
      }
      // Twilio answered with an error (or never got it): safe to try again.
      await db
        .update(smsDeliveries)
        .set({ handingOverAt: null, errorCode: failure.code, errorMessage: failure.message, updatedAt: new Date() })
        .where(eq(smsDeliveries.id, deliveryId));
      log.warn('sms attempt failed, will retry', { deliveryId, attempt, code: failure.code, reason: failure.message });
      throw failure;
    }
  };
}
