import type { OutboundEventData, OutboundEventType } from '../../shared/index.ts';
import type { Transaction } from '../db/client.ts';
import { hostEvents } from '../db/schema.ts';
import type { JobQueue } from '../jobs/job-queue.ts';

/** Events for the SavvySolve app, recorded and queued in the caller's transaction: sent if and only if it commits. */
export type HostEventOutbox = {
  add<T extends OutboundEventType>(tx: Transaction, type: T, data: OutboundEventData<T>): Promise<void>;
};

/**
 * With SAVVYSOLVE_EVENTS_URL unset nothing is recorded. The row's id is the event's `webhook-id` on every attempt,
 * so a host that dedupes sees each event once (backend/host/host-event-worker.ts sends it).
 */
export function createHostEventOutbox(queue: JobQueue, enabled: boolean): HostEventOutbox {
  return {
    async add(tx, type, data) {
      if (!enabled) return;
      const [event] = await tx.insert(hostEvents).values({ sessionId: data.sessionId, type, data }).returning({ id: hostEvents.id });
      await queue.enqueue(tx, 'host.deliver', { eventId: event!.id });
    },
  };
}
