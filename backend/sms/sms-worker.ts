import { and, eq, sql } from 'drizzle-orm';
import type { Database } from '../db/client.ts';
import { sessions, smsDeliveries } from '../db/schema.ts';
import type { JobHandler } from '../jobs/job-queue.ts';
import type { Logger } from '../logger.ts';
import type { RealtimeOutbox } from '../realtime/outbox.ts';
import { recordSessionChange } from '../sessions/session-change.ts';
import { SmsSendError, type SmsSender } from './twilio-sender.ts';

export type SmsWorkerDeps = {
  db: Database;
  sender: SmsSender;
  realtime: RealtimeOutbox;
  log: Logger;
  statusCallbackUrl?: string;
};

/**
 * Hands one queued SMS to Twilio. Permanent errors fail it at once with the reason; transient ones are
 * rethrown so the queue retries with backoff, and the last attempt marks it failed instead of dropping it.
 */
export function createSmsWorker({ db, sender, realtime, log, statusCallbackUrl }: SmsWorkerDeps): JobHandler<'sms.send'> {
  const setState = async (deliveryId: string, change: Partial<typeof smsDeliveries.$inferInsert>) => {
    await db.transaction(async (tx) => {
      const [row] = await tx
        .update(smsDeliveries)
        .set({ ...change, updatedAt: new Date() })
        .where(eq(smsDeliveries.id, deliveryId))
        .returning({ sessionId: smsDeliveries.sessionId });
      const [session] = row ? await tx.select({ solverId: sessions.solverId }).from(sessions).where(eq(sessions.id, row.sessionId)) : [];
      if (!row || !session) return;
      await recordSessionChange(tx, realtime, {
        action: change.status === 'failed' ? 'sms.failed' : 'sms.accepted',
        actor: 'system',
        sessionId: row.sessionId,
        solverId: session.solverId,
        details: {
          deliveryId,
          twilioSid: change.twilioSid ?? null,
          errorCode: change.errorCode ?? null,
          reason: change.errorMessage ?? null,
        },
      });
    });
  };

  return async ({ deliveryId }, { attempt, isLastAttempt }) => {
    const [delivery] = await db
      .update(smsDeliveries)
      .set({ attempts: sql`${smsDeliveries.attempts} + 1` })
      .where(and(eq(smsDeliveries.id, deliveryId), eq(smsDeliveries.status, 'queued')))
      .returning();
    // Already handed over (or failed) by an earlier run of this job: never send twice.
    if (!delivery) return;

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
      await db
        .update(smsDeliveries)
        .set({ errorCode: failure.code, errorMessage: failure.message, updatedAt: new Date() })
        .where(eq(smsDeliveries.id, deliveryId));
      log.warn('sms attempt failed, will retry', { deliveryId, attempt, code: failure.code, reason: failure.message });
      throw failure;
    }
  };
}
