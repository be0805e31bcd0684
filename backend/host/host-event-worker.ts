import { and, eq, sql } from 'drizzle-orm';
import type { Database } from '../db/client.ts';
import { hostEvents, sessions } from '../db/schema.ts';
import type { JobHandler } from '../jobs/job-queue.ts';
import type { Logger } from '../logger.ts';
import type { RealtimeOutbox } from '../realtime/outbox.ts';
import { recordSessionChange } from '../sessions/session-change.ts';
import type { WebhookSigning } from './webhook-signing.ts';

export type HostEventWorkerDeps = {
  db: Database;
  signing: WebhookSigning;
  /** SAVVYSOLVE_EVENTS_URL. */
  eventsUrl: string;
  realtime: RealtimeOutbox;
  log: Logger;
  timeoutMs?: number;
  /** The fetch events go out through (start.ts passes one that counts them). */
  fetch?: typeof fetch;
};

/** A status the host may answer differently later: retried with backoff. Any other 4xx is a refusal. */
const retryable = (status: number) => status === 408 || status === 429 || status >= 500;

/**
 * POSTs one outbound event to the SavvySolve app, Standard Webhooks signed, with the event's id as `webhook-id`
 * on every attempt. 2xx: delivered. 408, 429, 5xx, timeouts: thrown, so the queue retries with backoff (a host
 * that is down gets it later). Another 4xx, or the last attempt failing: not retried, recorded on the event and in
 * the session's audit trail (the admin session view shows both).
 */
export function createHostEventWorker(deps: HostEventWorkerDeps): JobHandler<'host.deliver'> {
  const timeoutMs = deps.timeoutMs ?? 10_000;
  const send = deps.fetch ?? fetch;

  async function giveUp(event: typeof hostEvents.$inferSelect, status: 'refused' | 'failed', reason: string) {
    await deps.db.transaction(async (tx) => {
      await tx
        .update(hostEvents)
        .set({ status, lastError: reason, attempts: sql`${hostEvents.attempts} + 1` })
        .where(eq(hostEvents.id, event.id));
      const [session] = await tx.select({ solverId: sessions.solverId }).from(sessions).where(eq(sessions.id, event.sessionId));
      if (!session) return;
      await recordSessionChange(tx, deps.realtime, {
        action: status === 'refused' ? 'host_event.refused' : 'host_event.failed',
        actor: 'system',
        sessionId: event.sessionId,
        solverId: session.solverId,
        details: { eventId: event.id, type: event.type, reason },
      });
    });
    deps.log.error('SavvySolve event not delivered', { eventId: event.id, type: event.type, status, reason });
  }

  return async ({ eventId }, { attempt, isLastAttempt }) => {
    const [event] = await deps.db
      .select()
      .from(hostEvents)
      .where(and(eq(hostEvents.id, eventId), eq(hostEvents.status, 'pending')));
    if (!event) return;
    const payload = JSON.stringify({ type: event.type, timestamp: event.createdAt.toISOString(), data: event.data });

    let status: number | undefined;
    try {
      const response = await send(deps.eventsUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...deps.signing.headersFor(event.id, payload) },
        body: payload,
        signal: AbortSignal.timeout(timeoutMs),
      });
      status = response.status;
      await response.body?.cancel();
    } catch (error) {
      status = undefined;
      deps.log.warn('SavvySolve events endpoint unreachable', { eventId, attempt, reason: error instanceof Error ? error.name : 'error' });
    }

    if (status !== undefined && status >= 200 && status < 300) {
      await deps.db
        .update(hostEvents)
        .set({ status: 'delivered', deliveredAt: new Date(), lastError: null, attempts: sql`${hostEvents.attempts} + 1` })
        .where(eq(hostEvents.id, eventId));
      return;
    }
    const reason =
      status === undefined ? `no answer within ${timeoutMs / 1000} s or connection failed` : `the host answered HTTP ${status}`;
    if (status !== undefined && !retryable(status)) return giveUp(event, 'refused', reason);
    if (isLastAttempt) return giveUp(event, 'failed', `gave up after ${attempt} attempts: ${reason}`);
    await deps.db
      .update(hostEvents)
      .set({ lastError: reason, attempts: sql`${hostEvents.attempts} + 1` })
      .where(eq(hostEvents.id, eventId));
    throw new Error(`SavvySolve event ${eventId} not delivered (${reason}); retrying`);
  };
}
