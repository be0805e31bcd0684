import { and, desc, eq, isNull, lte, ne } from 'drizzle-orm';
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
  /**
   * Stores what Google answered, unless the row was marked `deleted` meanwhile (the session ended while another
   * instance was making or renewing its subscription): then what was just made is deleted at Google again, so a
   * retirement is never undone and no subscription outlives its session.
   */
  async function store(targetResource: string, subject: string, outcome: Outcome): Promise<void> {
    const written = await deps.db
      .insert(meetEventSubscriptions)
      .values({ targetResource, subject, ...outcome, updatedAt: now() })
      .onConflictDoUpdate({
        target: meetEventSubscriptions.targetResource,
        set: { subject, ...outcome, updatedAt: now() },
        setWhere: ne(meetEventSubscriptions.state, 'deleted'),
      })
      .returning({ targetResource: meetEventSubscriptions.targetResource });
    if (written.length > 0 || !(outcome.name || outcome.operation)) return;
    deps.log.info('Meet events subscription made for an ended session; deleting it', { targetResource });
    await deps.events
      .unsubscribe(subject, outcome.name ?? null, targetResource)
      .catch((error: unknown) =>
        deps.log.warn('Meet events subscription of an ended session not deleted', { targetResource, problem: problemOf(error) }),
      );
  }
  /**
   * Takes `targetResource` for one call to Google, across instances: inserts its row (`pending`) if there is none, or
   * moves `updatedAt` to now if nothing has written the row for RETRY_AFTER_MS. Only the instance whose write lands
   * calls Google; the others leave it to that one (so no two instances make, renew or reactivate one subscription at
   * once). A `deleted` row is never taken. Returns whether this instance holds it.
   */
  async function claim(targetResource: string, subject: string): Promise<boolean> {
    const inserted = await deps.db
      .insert(meetEventSubscriptions)
      .values({ targetResource, subject, state: 'pending', updatedAt: now() })
      .onConflictDoNothing()
      .returning({ targetResource: meetEventSubscriptions.targetResource });
    if (inserted.length > 0) return true;
    const taken = await deps.db
      .update(meetEventSubscriptions)
      .set({ updatedAt: now() })
      .where(
        and(
          eq(meetEventSubscriptions.targetResource, targetResource),
          ne(meetEventSubscriptions.state, 'deleted'),
          lte(meetEventSubscriptions.updatedAt, new Date(now().getTime() - RETRY_AFTER_MS)),
        ),
      )
      .returning({ targetResource: meetEventSubscriptions.targetResource });
    return taken.length > 0;
  }
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
   * The space set-up's step: makes (or adopts) the space's subscription and stores the outcome, unless an active one
   * has over an hour left or another instance holds the row (see `claim`); never throws.
   */
  async function ensure(subject: string, spaceName: string): Promise<void> {
    const targetResource = spaceTarget(spaceName);
    const current = await read(targetResource);
    if (current?.state === 'active' && current.expireTime && current.expireTime.getTime() - now().getTime() > KEEP_IF_LEFT_MS) return;
    if (await claim(targetResource, subject)) await make(subject, targetResource);
  }

  /** Makes (or adopts) the subscription at Google and stores the outcome, for a caller that holds the row; never throws. */
  async function make(subject: string, targetResource: string): Promise<void> {
    const spaceName = spaceOf(targetResource);
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
      if (statusOf(error) === 404) return make(row.subject, row.targetResource);
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
      // The note above holds the row for this instance (see `claim`): a repair pass elsewhere leaves it alone.
      if (state === 'expired' && live) await make(row.subject, row.targetResource);
      return true;
    },

    /**
     * The repair pass of a live session's poll: whether `spaces/{id}` has an active, unexpired subscription (its
     * events are pushed). Given the `subject`, at most one call to Google, by the one instance that holds the row (see
     * `claim`: nothing else wrote it for a minute, or there was no row): a missing, expired or past-`expireTime`
     * subscription is made again; an active one with under an hour left is renewed (its reminder may have been lost
     * while Pub/Sub was down); a `pending` or `failed` one is made again (a pending one is then found as
     * ALREADY_EXISTS and adopted); a `suspended` one is reactivated (refused while the suspension's cause is there). A
     * `deleted` one is left deleted. With `solverDisabled` (the session's solver was disabled) the subscription is
     * deleted instead (tried again on the next pass if Google refuses).
     */
    async isActive(spaceName: string, subject?: string, solverDisabled = false): Promise<boolean> {
      const activeNow = (row: Row | undefined) => row?.state === 'active' && Boolean(row.expireTime && row.expireTime > now());
      if (solverDisabled) {
        await remove(spaceName).catch((error: unknown) =>
          deps.log.warn('Meet events subscription not deleted yet', { spaceName, problem: problemOf(error) }),
        );
        return false;
      }
      const targetResource = spaceTarget(spaceName);
      const row = await read(targetResource);
      if (!subject || row?.state === 'deleted') return activeNow(row);
      const endsSoon = Boolean(row?.expireTime && row.expireTime.getTime() - now().getTime() < KEEP_IF_LEFT_MS);
      const step: (() => Promise<void>) | undefined =
        row?.state === 'suspended' && row.name
          ? () => revive(row, 'reactivate')
          : row && activeNow(row) && row.name && endsSoon
            ? () => revive(row, 'renew')
            : !row || row.state === 'expired' || (row.state === 'active' && !activeNow(row)) || RETRIED_STATES.includes(row.state)
              ? () => make(subject, targetResource)
              : undefined;
      if (!step || !(await claim(targetResource, subject))) return activeNow(row);
      await step();
      return activeNow(await read(targetResource));
    },

    ensure,
    remove,
  };
}

export type SpaceSubscriptions = ReturnType<typeof createSpaceSubscriptions>;
