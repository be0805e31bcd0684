import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { eventually } from '../../test/support/eventually.ts';
import { openMemoryPglite } from '../../test/support/pglite-template.ts';
import { createScratchDatabase, postgresAvailable, warnPostgresSkipped } from '../../test/support/postgres.ts';
import { openDatabase, type DatabaseHandle } from '../db/client.ts';
import { meetEventSubscriptions } from '../db/schema.ts';
import { createMemoryLogger } from '../logger.ts';
import type { SubscriptionResult, WorkspaceEvents } from './google-workspace-events.ts';
import { createSpaceSubscriptions, spaceTarget } from './space-subscriptions.ts';

// Two backend instances on one database: one Google call per subscription at a time, and a retirement never undone.
const hasPostgres = await postgresAvailable();
if (!hasPostgres) warnPostgresSkipped('Meet events subscriptions across instances on postgres');

const SPACE = 'spaces/shared';
const ADA = 'ada@example.com';

/** A Workspace Events stand-in whose `subscribe` answers only when released, so two instances overlap. */
function gatedEvents() {
  const calls: string[] = [];
  let release: () => void = () => {};
  let gate = new Promise<void>((resolve) => (release = resolve));
  const made: SubscriptionResult = { name: 'subscriptions/1', expireTime: new Date(Date.now() + 86_400_000), active: true };
  const events: WorkspaceEvents = {
    subscribe: async () => {
      calls.push('subscribe');
      await gate;
      return made;
    },
    renew: async () => made,
    reactivate: async () => made,
    unsubscribe: async (_subject, name) => void calls.push(`unsubscribe ${name ?? '(listed)'}`),
  };
  return {
    events,
    calls,
    release: () => release(),
    rearm: () => (gate = new Promise<void>((resolve) => (release = resolve))),
  };
}

describe.each([
  ['pglite', true],
  ['postgres', hasPostgres],
] as const)('Meet events subscriptions across instances on %s', (kind, available) => {
  let database: DatabaseHandle;
  let drop: (() => Promise<void>) | undefined;
  beforeAll(async () => {
    if (!available) return;
    if (kind === 'pglite') database = await openMemoryPglite();
    else {
      const scratch = await createScratchDatabase();
      drop = scratch.drop;
      database = await openDatabase({ kind: 'postgres', url: scratch.url });
    }
  });
  afterAll(async () => {
    await database?.close();
    await drop?.();
  });
  beforeEach(async (context) => {
    if (!available) return context.skip();
    await database.db.delete(meetEventSubscriptions);
  });
  const instances = (events: WorkspaceEvents) =>
    [0, 1].map(() => createSpaceSubscriptions({ db: database.db, events, log: createMemoryLogger().logger }));
  const row = async () => (await database.db.select().from(meetEventSubscriptions))[0];

  it('two repair passes at once: one instance makes the subscription, the other leaves it to that one', async () => {
    const google = gatedEvents();
    const [a, b] = instances(google.events);
    // Both read the missing row before either writes (one connection answers in order).
    const passes = Promise.all([a!.isActive(SPACE, ADA), b!.isActive(SPACE, ADA)]);
    await eventually(() => google.calls.length === 1, 'one instance calling Google');
    google.release();
    expect((await passes).sort()).toEqual([false, true]);
    expect(google.calls).toEqual(['subscribe']);
    expect(await row()).toMatchObject({ state: 'active', name: 'subscriptions/1' });

    // A failed one a minute old is made again by one instance, however many repair passes run.
    await database.db.update(meetEventSubscriptions).set({ state: 'failed', updatedAt: new Date(Date.now() - 61_000) });
    google.rearm();
    const again = Promise.all([a!.isActive(SPACE, ADA), b!.isActive(SPACE, ADA), a!.ensure(ADA, SPACE)]);
    await eventually(() => google.calls.length === 2, 'one instance calling Google again');
    google.release();
    await again;
    expect(google.calls).toEqual(['subscribe', 'subscribe']);
  });

  it('a session retired while another instance was making its subscription: the new one is deleted at Google, the row stays deleted', async () => {
    const google = gatedEvents();
    const [a, b] = instances(google.events);
    const making = a!.ensure(ADA, SPACE);
    await eventually(() => google.calls.length === 1, 'A holding the row and waiting on Google');
    await b!.remove(SPACE); // the session ended: nothing named yet, so it is looked up by target
    google.release();
    await making;
    expect(google.calls).toEqual(['subscribe', 'unsubscribe (listed)', 'unsubscribe subscriptions/1']);
    expect(await row()).toMatchObject({ state: 'deleted' });
    expect(await a!.isActive(SPACE, ADA)).toBe(false);
    expect(google.calls).toHaveLength(3); // a deleted row is never made again
  });
});
