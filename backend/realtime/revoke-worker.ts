import { messageOf } from '../../shared/index.ts';
import type { JobHandler } from '../jobs/job-queue.ts';
import type { Logger } from '../logger.ts';
import { RevocationNotEnabledError, type RealtimeTokenRevoker } from './ably-publisher.ts';

/**
 * Revokes a solver's realtime tokens after a change took a permission away (queued in that change's transaction);
 * an outage is retried by the queue. A key without revocable tokens is no failure to retry: the tokens end at their
 * 10-minute TTL and the backend refuses their renewal.
 */
export function createRevokeWorker(revoker: RealtimeTokenRevoker, log: Logger): JobHandler<'realtime.revoke-tokens'> {
  return async ({ clientId }, { attempt, isLastAttempt }) => {
    try {
      await revoker.revokeClient(clientId);
      log.info('revoked realtime tokens', { clientId });
    } catch (error) {
      if (error instanceof RevocationNotEnabledError) {
        log.warn('realtime tokens not revoked: they end at their 10-minute TTL', { clientId, reason: error.message });
        return;
      }
      (isLastAttempt ? log.error : log.warn)('realtime token revocation failed', {
        clientId,
        attempt,
        gaveUp: isLastAttempt,
        reason: messageOf(error),
      });
      throw error;
    }
  };
}
