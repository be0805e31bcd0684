import type { Transaction } from '../db/client.ts';
import { smsDeliveries } from '../db/schema.ts';
import type { JobQueue } from '../jobs/job-queue.ts';

export const SMS_NOT_CONFIGURED = 'SMS is not configured on the backend (TWILIO_* variables unset)';

export type SmsOutbox = {
  /** Records the SMS and queues its delivery in the caller's transaction. */
  queue(tx: Transaction, input: { sessionId: string; to: string; body: string }): Promise<{ deliveryId: string; skipped: boolean }>;
};

/** With Twilio unconfigured the SMS is recorded as `skipped`, so the panel shows why nothing was sent. */
export function createSmsOutbox(queue: JobQueue, enabled: boolean): SmsOutbox {
  return {
    async queue(tx, { sessionId, to, body }) {
      const [delivery] = await tx
        .insert(smsDeliveries)
        .values({
          sessionId,
          toNumber: to,
          body,
          status: enabled ? 'queued' : 'skipped',
          errorMessage: enabled ? null : SMS_NOT_CONFIGURED,
        })
        .returning({ id: smsDeliveries.id });
      if (enabled) await queue.enqueue(tx, 'sms.send', { deliveryId: delivery!.id });
      return { deliveryId: delivery!.id, skipped: !enabled };
    },
  };
}
