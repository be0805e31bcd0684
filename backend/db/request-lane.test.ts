import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openMemoryPglite } from '../../test/support/pglite-template.ts';
import type { DatabaseHandle } from './client.ts';
import { inBackgroundLane, inRequestLane } from './request-lane.ts';

let database: DatabaseHandle;
beforeAll(async () => {
  database = await openMemoryPglite();
});
afterAll(async () => database?.close());

describe('requests go ahead of background work on PGlite', () => {
  it("a request's statement waits behind one background statement at most, however many are queued", async () => {
    const pglite = database.pglite!;
    const finished: string[] = [];
    const background = Array.from({ length: 5 }, (_, index) =>
      inBackgroundLane(() => pglite.query('select pg_sleep(0.02)').then(() => finished.push(`background ${index}`))),
    );
    const transaction = inBackgroundLane(() =>
      pglite.transaction(async (tx) => {
        await tx.query('select 1');
        finished.push('background transaction');
      }),
    );
    const request = inRequestLane(() => pglite.query('select 1').then(() => finished.push('request')));
    await Promise.all([...background, transaction, request]);
    expect(finished.indexOf('request')).toBeLessThanOrEqual(1);
    // Background work keeps its order among itself.
    expect(finished.filter((entry) => entry !== 'request')).toEqual([
      'background 0',
      'background 1',
      'background 2',
      'background 3',
      'background 4',
      'background transaction',
    ]);
  });

  it('outside any lane (pg-boss fetches, timers) counts as background', async () => {
    const pglite = database.pglite!;
    const finished: string[] = [];
    const queued = Array.from({ length: 3 }, (_, index) =>
      pglite.query('select pg_sleep(0.02)').then(() => finished.push(`unmarked ${index}`)),
    );
    await inRequestLane(() => pglite.exec('select 1').then(() => finished.push('request')));
    await Promise.all(queued);
    expect(finished.indexOf('request')).toBeLessThanOrEqual(1);
  });
});
