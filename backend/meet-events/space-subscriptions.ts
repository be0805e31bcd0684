import { eq } from 'drizzle-orm';
import type { Database } from '../db/client.ts';
import { meetEventSubscriptions } from '../db/schema.ts';
import type { Logger } from '../logger.ts';
import type { WorkspaceEvents } from './google-workspace-events.ts';
import type { LifecycleEvent } from './push-envelope.ts';

/** States in which the subscription is made again (a suspension needs its cause gone first). */
const RETRIED_STATES = ['pending', 'failed', 'expired'];
/** How long after the last attempt a subscription is made again (ms). */
const RETRY_AFTER_MS = 60_000;
/** A live subscription is kept when it has at least this long left (ms); otherwise it is made again. */
const KEEP_IF_LEFT_MS = 60 * 60_000;

/** `//meet.googleapis.com/spaces/{id}` for `spaces/{id}`: a subscription's target resource for one space. */
export const spaceTarget = (spaceName: string) => `//meet.googleapis.com/${spaceName}`;

/**
 * Per-space Workspace Events subscriptions as durable rows (`meet_event_subscriptions`, one per target resource).
 * `ensure` runs in the space set-up, before the customer is texted; it never throws: a refusal or outage is stored
 * as `failed` with its reason (polling keeps following the call meanwhile).
 */
export function createSpaceSubscriptions(deps: { db: Database; events: WorkspaceEvents; log: Logger; now?: () => Date }) {
  const now = deps.now ?? (() => new Date());
  /** Makes (or adopts) the space's subscription and stores the outcome; never throws. */
  async function ensure(subject: string, spaceName: string): Promise<void> {
    const targetResource = spaceTarget(spaceName);
    const [current] = await deps.db.select().from(meetEventSubscriptions).where(eq(meetEventSubscriptions.targetResource, targetResource));
    if (current?.state === 'active' && current.expireTime && current.expireTime.getTime() - now().getTime() > KEEP_IF_LEFT_MS) return;
    let row: Omit<typeof meetEventSubscriptions.$inferInsert, 'targetResource' | 'subject'>;
    try {
      const result = await deps.events.subscribe(subject, targetResource);
      row =
        'operation' in result
          ? { state: 'pending', operation: result.operation, name: null, expireTime: null, problem: null }
          : result.active
            ? { state: 'active', operation: null, name: result.name, expireTime: result.expireTime, problem: null }
            : { state: 'suspended', operation: null, name: result.name, expireTime: result.expireTime, problem: 'suspended by Google' };
    } catch (error) {
      const problem = (error as Error).message?.slice(0, 500) ?? 'unknown error';
      deps.log.warn('Meet events subscription failed; attendance is polled', { spaceName, problem });
      row = { state: 'failed', operation: null, name: null, expireTime: null, problem };
    }
    await deps.db
      .insert(meetEventSubscriptions)
      .values({ targetResource, subject, ...row })
      .onConflictDoUpdate({ target: meetEventSubscriptions.targetResource, set: { subject, ...row, updatedAt: now() } });
  }

  return {
    /**
     * Applies a lifecycle event to the stored row: `suspended` and `expired` make it so (polling is back at today's
     * cadence for that space); `expirationReminder` changes nothing yet (a space's subscription outlives its session).
     * Returns whether a row of ours changed.
     */
    async applyLifecycle(event: LifecycleEvent): Promise<boolean> {
      if (event.type.endsWith('.expirationReminder')) return false;
      const state = event.type.endsWith('.suspended') ? 'suspended' : 'expired';
      const problem = state === 'suspended' ? `suspended by Google${event.reason ? ` (${event.reason})` : ''}` : 'expired';
      const changed = await deps.db
        .update(meetEventSubscriptions)
        .set({ state, problem, updatedAt: now() })
        .where(eq(meetEventSubscriptions.name, event.subscription))
        .returning({ target: meetEventSubscriptions.targetResource });
      if (changed.length > 0)
        deps.log.warn('Meet events subscription stopped; attendance is polled', { subscription: event.subscription, state });
      return changed.length > 0;
    },

    /**
     * Whether `spaces/{id}` has an active, unexpired subscription (its events are pushed). Given the `subject`, a
     * missing, `pending`, `failed` or `expired` subscription is first made again (at most once a minute per space;
     * a pending one is then found as ALREADY_EXISTS and adopted); a `suspended` one waits for its cause to go.
     */
    async isActive(spaceName: string, subject?: string): Promise<boolean> {
      const read = async () =>
        (
          await deps.db
            .select()
            .from(meetEventSubscriptions)
            .where(eq(meetEventSubscriptions.targetResource, spaceTarget(spaceName)))
        )[0];
      let row = await read();
      const retry =
        subject &&
        (!row ||
          (row.state === 'active' && (!row.expireTime || row.expireTime <= now())) ||
          (RETRIED_STATES.includes(row.state) && now().getTime() - row.updatedAt.getTime() >= RETRY_AFTER_MS));
      if (retry) {
        await ensure(subject, spaceName);
        row = await read();
      }
      return row?.state === 'active' && Boolean(row.expireTime && row.expireTime > now());
    },

    ensure,
  };
}

export type SpaceSubscriptions = ReturnType<typeof createSpaceSubscriptions>;
