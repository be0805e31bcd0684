import { describe, expect, it } from 'vitest';
import type { RateLimit } from '../rate-limit/rate-limiter.ts';
import { addressKey, createSignInThrottle } from './sign-in-throttle.ts';

const recordingLimiter = () => {
  const hits: [string, RateLimit][] = [];
  return { hits, limiter: { hit: async (key: string, rule: RateLimit) => void hits.push([key, rule]) } };
};

describe('addressKey', () => {
  it.each([
    ['203.0.113.7', '203.0.113.7'],
    ['::ffff:203.0.113.7', '203.0.113.7'],
    ['2001:db8:1:2:3:4:5:6', '2001:db8:1:2::/64'],
    ['2001:db8:1:2:ffff::1', '2001:db8:1:2::/64'],
    ['2001:0DB8:0001:0002::9', '2001:db8:1:2::/64'],
    ['2001:db8::1', '2001:db8:0:0::/64'],
    ['fe80::1%eth0', 'fe80:0:0:0::/64'],
    ['::1', '0:0:0:0::/64'],
    ['', 'unknown'],
    ['unknown', 'unknown'],
  ])('%s → %s', (address, key) => expect(addressKey(address)).toBe(key));
});

describe('sign-in throttle', () => {
  it('counts attempts per address and attempts reaching Google under separate keys', async () => {
    const { hits, limiter } = recordingLimiter();
    const throttle = createSignInThrottle(limiter);
    await throttle.admitAddress('2001:db8:1:2::5');
    await throttle.admitUpstream();
    expect(hits).toEqual([
      ['sign-in:ip:2001:db8:1:2::/64', { limit: 30, windowSeconds: 60 }],
      ['sign-in:all', { limit: 300, windowSeconds: 60 }],
    ]);
  });

  it('remembers a refusal for the TTL only', () => {
    let now = 1_000;
    const throttle = createSignInThrottle(recordingLimiter().limiter, { ttlMs: 60_000, now: () => now });
    throttle.rememberRefusal('ya29.bad', 'refused');
    expect(throttle.refusal('ya29.bad')).toBe('refused');
    expect(throttle.refusal('ya29.other')).toBeUndefined();
    now += 59_999;
    expect(throttle.refusal('ya29.bad')).toBe('refused');
    now += 1;
    expect(throttle.refusal('ya29.bad')).toBeUndefined();
  });

  it('forgets the oldest refusals beyond its capacity', () => {
    const throttle = createSignInThrottle(recordingLimiter().limiter, { capacity: 3 });
    for (const token of ['a', 'b', 'c', 'd']) throttle.rememberRefusal(token, `refused ${token}`);
    expect(['a', 'b', 'c', 'd'].map((token) => throttle.refusal(token))).toEqual([undefined, 'refused b', 'refused c', 'refused d']);
  });
});
