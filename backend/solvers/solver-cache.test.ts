import { describe, expect, it, vi } from 'vitest';
import type { Queryable } from '../db/client.ts';
import * as store from './solver-store.ts';
import { createSolverCache } from './solver-cache.ts';

const row = (employment: 'employed' | 'contract') =>
  ({
    id: 's1',
    name: 'Ada',
    email: 'ada@example.com',
    employment,
    googleEmail: null,
    createdAt: new Date(),
    updatedAt: new Date(),
    hostUpdatedAt: null,
    disabled: false,
    tokenVersion: 0,
    googleAccountId: null,
  }) as store.SolverRow;

describe('solver cache', () => {
  it('reads once within the TTL, again after it, and at once after an eviction', async () => {
    const read = vi.spyOn(store, 'findSolverById').mockResolvedValueOnce(row('employed')).mockResolvedValue(row('contract'));
    let clock = 0;
    const cache = createSolverCache({} as Queryable, { ttlMs: 1_000, now: () => clock });
    expect((await cache.get('s1'))?.employment).toBe('employed');
    clock = 999;
    expect((await cache.get('s1'))?.employment).toBe('employed');
    expect(read).toHaveBeenCalledTimes(1);
    clock = 1_000;
    expect((await cache.get('s1'))?.employment).toBe('contract');
    cache.evict('s1');
    await cache.get('s1');
    expect(read).toHaveBeenCalledTimes(3);
    read.mockRestore();
  });
});
