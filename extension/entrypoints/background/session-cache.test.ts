import { describe, expect, it, vi } from 'vitest';
import { ExtensionError } from '../../lib/errors.ts';
import { aSession } from '../../test-fixtures.ts';
import { createSessionCache } from './session-cache.ts';

const OWN = aSession();
const OTHER = '0b9f6c52-1111-4abc-8def-0123456789ab';

function setup() {
  let clock = 1_000;
  const load = vi.fn(async (sessionId: string) => (sessionId === OWN.id ? OWN : null));
  const cache = createSessionCache({ load, ttlMs: 15_000, now: () => clock });
  return { cache, load, tick: (ms: number) => (clock += ms) };
}

describe('background session cache', () => {
  it('asks the backend once per session within 15 s, then again', async () => {
    const { cache, load, tick } = setup();
    expect(await cache.get(OWN.id)).toEqual(OWN);
    tick(14_000);
    expect(await cache.get(OWN.id)).toEqual(OWN);
    expect(load).toHaveBeenCalledTimes(1);
    tick(1_000);
    await cache.get(OWN.id);
    expect(load).toHaveBeenCalledTimes(2);
  });

  it('remembers "not yours" (null) per session id too', async () => {
    const { cache, load } = setup();
    expect(await cache.get(OTHER)).toBeNull();
    expect(await cache.get(OTHER)).toBeNull();
    expect(await cache.get(OWN.id)).toEqual(OWN);
    expect(load.mock.calls.map(([id]) => id)).toEqual([OTHER, OWN.id]);
  });

  it('shares an ask under way', async () => {
    const { cache, load } = setup();
    const [first, second] = await Promise.all([cache.get(OWN.id), cache.get(OWN.id)]);
    expect(first).toBe(second);
    expect(load).toHaveBeenCalledTimes(1);
  });

  it('does not remember a failure', async () => {
    const { cache, load } = setup();
    load.mockRejectedValueOnce(new ExtensionError('network', 'Can’t reach the backend', 0));
    await expect(cache.get(OWN.id)).rejects.toMatchObject({ code: 'network' });
    expect(await cache.get(OWN.id)).toEqual(OWN);
    expect(load).toHaveBeenCalledTimes(2);
  });

  it('answers from the solver’s list just read, for 15 s, without a request', async () => {
    const { cache, load, tick } = setup();
    const withLink = { ...OWN, meetLink: 'https://meet.google.com/abc-defg-hij' };
    cache.remember([withLink]);
    expect(await cache.get(OWN.id)).toEqual(withLink);
    tick(15_000);
    expect(await cache.get(OWN.id)).toEqual(OWN);
    expect(load).toHaveBeenCalledTimes(1);
  });

  it('forgets everything on clear (sessions changed, signed in or out)', async () => {
    const { cache, load } = setup();
    await cache.get(OWN.id);
    cache.clear();
    await cache.get(OWN.id);
    expect(load).toHaveBeenCalledTimes(2);
  });
});
