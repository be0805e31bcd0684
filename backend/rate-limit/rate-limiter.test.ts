import { describe, expect, it } from 'vitest';
import { inHumanTime } from './rate-limiter.ts';

describe('inHumanTime', () => {
  it.each([
    [1, '1 second'],
    [45, '45 seconds'],
    [59, '59 seconds'],
    [60, '1 minute'],
    [61, '2 minutes'],
    [550, '10 minutes'],
    [600, '10 minutes'],
    [89 * 60, '89 minutes'],
    [90 * 60, '2 hours'],
    [3 * 3600, '3 hours'],
  ])('%i s → "%s" (rounded up: trying again then works)', (seconds, words) => {
    expect(inHumanTime(seconds)).toBe(words);
  });

  it('never says "0 seconds"', () => {
    expect(inHumanTime(0)).toBe('1 second');
    expect(inHumanTime(0.2)).toBe('1 second');
  });
});
