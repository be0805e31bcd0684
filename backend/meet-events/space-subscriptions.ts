import { and, desc, eq, isNull, ne } from 'drizzle-orm';
import type { Database } from '../db/client.ts';
import { meetEventSubscriptions, meetSpaces, sessions } from '../db/schema.ts';
import type { Logger } from '../logger.ts';
import { statusOf, type SubscriptionResult, type WorkspaceEvents } from './google-workspace-events.ts';
import type { LifecycleEvent } from './push-envelope.ts';

/** States in which the subscription is made again (a suspension needs its cause gone first: it is reactivated). */
const RETRIED_STATES = ['pending', 'failed'];
/** How long after the last attempt a subscription is made again, or a suspended one reactivated (ms). */
const RETRY_AFTER_MS = 60_000;
/** A live subscription is kept when it has at least this long left (ms); otherwise it is made again. */
const KEEP_IF_LEFT_MS = 60 * 60_000;

/** `//meet.googleapis.com/spaces/{id}` for `spaces/{id}`: a subscription's target resource for one space. */
export const spaceTarget = (spaceName: string) => `//meet.googleapis.com/${spaceName}`;
const spaceOf = (targetResource: string) => targetResource.replace(/^\/\/meet\.googleapis\.com\//, '');

type Row = typeof meetEventSubscriptions.$inferSelect;
type Outcome = Omit<typeof meetEventSubscriptions.$inferInsert, 'targetResource' | 'subject'>;

/** The stored row for what Google answered: a Subscription (active or suspended) or an operation not done yet. */
const outcomeOf = (result: SubscriptionResult): Outcome =>
  'operation' in result
    ? { state: 'pending', operation: result.operation, name: null, expireTime: null, problem: null }
    : result.active
      ? { state: 'active', operation: null, name: result.name, expireTime: result.expireTime, problem: null }
      : {
          state: 'suspended',
          operation: null,
          name: result.name,
          expireTime: result.expireTime,
          problem: `suspended by Google${result.suspensionReason ? ` (${result.suspensionReason})` : ''}`,
        };
const problemOf = (error: unknown) => (error as Error).message?.slice(0, 500) ?? 'unknown error';

/**
 * Per-space Workspace Events subscriptions as durable rows (`meet_event_subscriptions`, one per target resource),
 * through their lifecycle: made in the space set-up (before the customer is texted), renewed on
 * `expirationReminder`, reactivated once a suspension's cause is gone, made again when expired, deleted when the
 * session ends (`meet.events-unsubscribe`, queued by the retirement) or its solver is disabled (the next poll). Only
 * `remove` throws (it runs in a retried job); every other step stores a refusal or outage on the row, and polling
 * follows the call meanwhile.
 */
export function createSpaceSubscriptions(deps: { db: Database; events: WorkspaceEvents; log: Logger; now?: () => Date }) {
  const now = deps.now ?? (() => new Date());
  const read = async (targetResource: string): Promise<Row | undefined> =>
    (await deps.db.select().from(meetEventSubscriptions).where(eq(meetEventSubscriptions.targetResource, targetResource)))[0];
  const store = (targetResource: string, subject: string, outcome: Outcome) =>
    deps.db
      .insert(meetEventSubscriptions)
      .values({ targetResource, subject, ...outcome })
      .onConflictDoUpdate({ target: meetEventSubscriptions.targetResource, set: { subject, ...outcome, updatedAt: now() } });
  const note = (targetResource: string, change: Partial<Outcome>) =>
    deps.db
      .update(meetEventSubscriptions)
      .set({ ...change, updatedAt: now() })
      .where(eq(meetEventSubscriptions.targetResource, targetResource));

  /** Whether `spaces/{id}`'s newest session is live (not ended, still polled): only then is its subscription kept up. */
  async function spaceIsLive(spaceName: string): Promise<boolean> {
    const [row] = await deps.db
      .select({ status: sessions.status })
      .from(meetSpaces)
      .innerJoin(sessions, eq(sessions.id, meetSpaces.sessionId))
      .where(and(eq(meetSpaces.spaceName, spaceName), isNull(meetSpaces.pollingStoppedAt)))
      .orderBy(desc(meetSpaces.createdAt))
      .limit(1);
    return row?.status === 'active';
  }

  /**
   * Makes (or adopts) the space's subscription and stores the outcome; never throws. An active one with over an hour
   * left is kept, unless `force` (Google said it is gone).
   */
  async function ensure(subject: string, spaceName: string, force = false): Promise<void> {
    const targetResource = spaceTarget(spaceName);
    const current = force ? undefined : await read(targetResource);
    if (current?.state === 'active' && current.expireTime && current.expireTime.getTime() - now().getTime() > KEEP_IF_LEFT_MS) return;
    let outcome: Outcome;
    try {
      outcome = outcomeOf(await deps.events.subscribe(subject, targetResource));
    } catch (error) {
      const problem = problemOf(error);
      deps.log.warn('Meet events subscription failed; attendance is polled', { spaceName, problem });
      outcome = { state: 'failed', operation: null, name: null, expireTime: null, problem };
    }
    await store(targetResource, subject, outcome);
  }

  /**
   * `renew` (patch of ttl) or `reactivate` of the stored subscription; never throws. A 404 means Google deleted it
   * (expired): it is made again. Another refusal leaves the row as it was, with the reason in `problem`.
   */
  async function revive(row: Row, how: 'renew' | 'reactivate'): Promise<void> {
    try {
      await store(row.targetResource, row.subject, outcomeOf(await deps.events[how](row.subject, row.name!)));
      deps.log.info(`Meet events subscription ${how === 'renew' ? 'renewed' : 'reactivated'}`, { subscription: row.name });
    } catch (error) {
      if (statusOf(error) === 404) return ensure(row.subject, spaceOf(row.targetResource), true);
      const problem = `${how} refused: ${problemOf(error)}`;
      deps.log.warn('Meet events subscription not revived; attendance is polled', { subscription: row.name, problem });
      await note(row.targetResource, { problem });
    }
  }

  /**
   * Deletes the space's subscription at Google (already gone counts) and marks the row `deleted`, which no repair
   * pass makes again. @throws what Google refuses, noted in `problem` (the job retries)
   */
  async function remove(spaceName: string): Promise<void> {
    const row = await read(spaceTarget(spaceName));
    if (!row || row.state === 'deleted') return;
    try {
      if (row.state !== 'expired') await deps.events.unsubscribe(row.subject, row.name, row.targetResource);
    } catch (error) {
      await note(row.targetResource, { problem: `delete refused: ${problemOf(error)}` });
      throw error;
    }
    await note(row.targetResource, { state: 'deleted', operation: null, problem: null });
  }

  return {
    /**
     * Applies a lifecycle event to the stored row, for a space whose session is live: `expirationReminder` renews it
     * (ttl 0: the longest Google allows) and stores the new `expireTime`; `suspended` marks it so (polling is back at
     * today's cadence; the next repair pass reactivates it once the cause is gone); `expired` makes it again (Google
     * deletes an expired subscription). For an ended session only the state is recorded. Returns whether a row of
     * ours changed; never throws.
     */
    async applyLifecycle(event: LifecycleEvent): Promise<boolean> {
      const [row] = await deps.db
        .select()
        .from(meetEventSubscriptions)
        .where(and(eq(meetEventSubscriptions.name, event.subscription), ne(meetEventSubscriptions.state, 'deleted')));
      if (!row) return false;
      const live = await spaceIsLive(spaceOf(row.targetResource));
      if (event.type.endsWith('.expirationReminder')) {
        if (live) await revive(row, 'renew');
        return live;
      }
      const state = event.type.endsWith('.suspended') ? 'suspended' : 'expired';
      const problem = state === 'suspended' ? `suspended by Google${event.reason ? ` (${event.reason})` : ''}` : 'expired';
      await note(row.targetResource, { state, problem });
      deps.log.warn('Meet events subscription stopped; attendance is polled', { subscription: event.subscription, state });
      if (state === 'expired' && live) await ensure(row.subject, spaceOf(row.targetResource));
      return true;
    },

    /**
     * The repair pass of a live session's poll: whether `spaces/{id}` has an active, unexpired subscription (its
     * events are pushed). Given the `subject`, at most one call to Google: a missing, expired or past-`expireTime`
     * subscription is made again; an active one with under an hour left is renewed (once a minute at most); a `pending` or `failed` one too once a minute has passed (a pending one is then
     * found as ALREADY_EXISTS and adopted); a `suspended` one is reactivated, at most once a minute (refused while the
     * suspension's cause is there). A `deleted` one is left deleted. With `solverDisabled` (the session's solver was
     * disabled) the subscription is deleted instead (tried again on the next pass if Google refuses).
     */
    async isActive(spaceName: string, subject?: string, solverDisabled = false): Promise<boolean> {
      const activeNow = (row: Row | undefined) => row?.state === 'active' && Boolean(row.expireTime && row.expireTime > now());
      if (solverDisabled) {
        await remove(spaceName).catch((error: unknown) =>
          deps.log.warn('Meet events subscription not deleted yet', { spaceName, problem: problemOf(error) }),
        );
        return false;
      }
      const row = await read(spaceTarget(spaceName));
      if (!subject) return activeNow(row);
      const quiet = !row || now().getTime() - row.updatedAt.getTime() >= RETRY_AFTER_MS;
      const endsSoon = row?.expireTime && row.expireTime.getTime() - now().getTime() < KEEP_IF_LEFT_MS;
      if (row?.state === 'suspended' && row.name) {
        if (!quiet) return false;
        await revive(row, 'reactivate');
      } else if (row && activeNow(row) && row.name && endsSoon) {
        // Its reminder may have been lost (Pub/Sub down): renewed here too, at most once a minute.
        if (!quiet) return true;
        await revive(row, 'renew');
      } else if (
        !row ||
        row.state === 'expired' ||
        (row.state === 'active' && !activeNow(row)) ||
        (RETRIED_STATES.includes(row.state) && quiet)
      )
        await ensure(subject, spaceName);
      else return activeNow(row);
      return activeNow(await read(spaceTarget(spaceName)));
    },

    ensure,
    remove,
  };
}

export type SpaceSubscriptions = ReturnType<typeof createSpaceSubscriptions>;
