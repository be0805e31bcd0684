import { messageOf } from '../../shared/index.ts';
import type { JobHandler } from '../jobs/job-queue.ts';
import type { Logger } from '../logger.ts';
import type { RealtimePublisher } from './ably-publisher.ts';

/** Publishes one queued realtime message; a failure is retried by the queue with backoff. */
export function createPublishWorker(publisher: RealtimePublisher, log: Logger): JobHandler<'realtime.publish'> {
  return async ({ channel, name, data, id }, { attempt, isLastAttempt }) => {
    try {
      await publisher.publish(channel, name, data, id);
    } catch (error) {
      const reason = messageOf(error);
      (isLastAttempt ? log.error : log.warn)('realtime publish failed', { channel, name, attempt, gaveUp: isLastAttempt, reason });
      throw error;
    }
  };
}
