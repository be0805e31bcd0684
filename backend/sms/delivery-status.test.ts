import { describe, expect, it } from 'vitest';
import { nextStatus } from './delivery-status.ts';

describe('SMS delivery state transitions (Twilio status callbacks)', () => {
  it.each([
    ['queued', 'queued', 'accepted'],
    ['queued', 'sent', 'sent'],
    ['accepted', 'sending', undefined], // already "accepted": a duplicate changes nothing
    ['accepted', 'sent', 'sent'],
    ['sent', 'delivered', 'delivered'],
    ['accepted', 'delivered', 'delivered'], // "sent" was skipped or is late
    ['delivered', 'sent', undefined], // out of order: never backwards
    ['delivered', 'delivered', undefined], // duplicate
    ['sent', 'undelivered', 'undelivered'],
    ['accepted', 'failed', 'failed'],
    ['failed', 'delivered', undefined], // final
    ['undelivered', 'sent', undefined],
    ['skipped', 'delivered', undefined], // never handed to Twilio
    ['sent', 'read', undefined], // a status we do not know
  ] as const)('%s + Twilio "%s" → %s', (current, reported, expected) => {
    expect(nextStatus(current, reported)).toBe(expected);
  });
});
