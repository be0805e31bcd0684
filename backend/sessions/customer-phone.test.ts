import { describe, expect, it } from 'vitest';
import { toE164 } from './customer-phone.ts';

describe('toE164', () => {
  it.each([
    ['+14155550123', undefined, '+14155550123'],
    ['+1 (415) 555-0123', undefined, '+14155550123'],
    ['(415) 555-0123', 'US', '+14155550123'],
    ['415.555.0123', 'US', '+14155550123'],
    ['020 7946 0018', 'GB', '+442079460018'],
    ['+44 20 7946 0018', 'US', '+442079460018'],
  ] as const)('reads %s (region %s) as %s', (text, region, expected) => {
    expect(toE164(text, region)).toBe(expected);
  });

  it.each([
    ['(415) 555-0123', undefined, /customerPhone: give the number in international format/],
    ['+1 555 0123', 'US', /customerPhone: .*is not a valid phone number/],
    ['hello', 'US', /customerPhone: .* is not a phone number/],
    ['+999 1234567', undefined, /customerPhone: /],
  ] as const)('refuses %s (region %s) with a 400 naming the field', (text, region, message) => {
    expect(() => toE164(text, region)).toThrow(message);
    try {
      toE164(text, region);
    } catch (error) {
      expect((error as { status: number }).status).toBe(400);
    }
  });
});
