import { describe, expect, it } from 'vitest';
import type { RateLimiter } from '../rate-limit/rate-limiter.ts';
import type { SolverRow } from '../solvers/solver-store.ts';
import { UNKNOWN_SESSION_TTL_MS, createBoundedPull } from './bounded-pull.ts';

const solver = { id: 's1', employment: 'employed', googleEmail: 'ada@example.com', disabled: false } as SolverRow;
const counting = () => {
  const hits: string[] = [];
  const limiter: RateLimiter = { hit: async (key) => void hits.push(key) };
  return { hits, limiter };
};

describe('bounded lazy pull', () => {
  it('remembers an unknown id for 60 s, then asks again', async () => {
    let clock = 0;
    const asked: string[] = [];
    const { limiter } = counting();
    const pull = createBoundedPull(
      async (id) => (asked.push(id), false),
      limiter,
      () => clock,
    );
    expect(await pull('a', solver)).toBe(false);
    clock += UNKNOWN_SESSION_TTL_MS - 1;
    expect(await pull('a', solver)).toBe(false);
    expect(asked).toEqual(['a']);
    clock += 1;
    await pull('a', solver);
    expect(asked).toEqual(['a', 'a']);
  });

  it('does not remember a session it stored, nor a failure', async () => {
    const answers = [Promise.reject(new Error('down')), Promise.resolve(true), Promise.resolve(true)];
    answers[0]!.catch(() => undefined);
    const { limiter } = counting();
    const pull = createBoundedPull(() => answers.shift()!, limiter);
    await expect(pull('a', solver)).rejects.toThrow('down');
    expect(await pull('a', solver)).toBe(true);
    expect(await pull('a', solver)).toBe(true);
  });

  it('counts the budget once per pull started, never for a caller that joins one in flight', async () => {
    let release!: (stored: boolean) => void;
    const { hits, limiter } = counting();
    const pull = createBoundedPull(() => new Promise<boolean>((resolve) => (release = resolve)), limiter);
    const first = pull('a', solver);
    await Promise.resolve();
    await Promise.resolve();
    const second = pull('a', solver);
    release(true);
    expect(await Promise.all([first, second])).toEqual([true, true]);
    expect(hits).toEqual(['session-pull:s1']);
  });

  it.each([
    ['a contract solver', { employment: 'contract' }],
    ['a solver without a Google email', { googleEmail: null }],
    ['a disabled solver', { disabled: true }],
  ])('never asks for %s, nor counts their budget', async (_case, overrides) => {
    const { hits, limiter } = counting();
    let asked = 0;
    const pull = createBoundedPull(async () => (asked++, true), limiter);
    expect(await pull('a', { ...solver, ...overrides } as SolverRow)).toBe(false);
    expect([asked, hits.length]).toEqual([0, 0]);
  });
});
