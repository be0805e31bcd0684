import { describe, expect, it, vi } from 'vitest';
import type { SessionSummary } from '../../../shared/index.ts';
import { aSession } from '../../test-fixtures.ts';
import { countLiveMeets, showLiveMeetCount } from './badge.ts';

// Distinct ids: the badge counts sessions.
const session = (overrides: Partial<SessionSummary>) => aSession({ id: crypto.randomUUID(), ...overrides });

function fakeAction() {
  return { setBadgeText: vi.fn(async () => {}), setBadgeBackgroundColor: vi.fn(async () => {}), setTitle: vi.fn(async () => {}) };
}

describe('toolbar badge', () => {
  it('counts active sessions with a stored Meet link only', () => {
    expect(
      countLiveMeets([
        session({ meetLink: 'https://meet.google.com/abc-defg-hij', meetLinkSource: 'calendar' }),
        session({ meetLink: 'https://meet.google.com/abc-defg-hik', meetLinkSource: 'captured' }),
        session({ meetLinkSource: 'fallback' }),
        session({}),
        session({ status: 'ended', meetLink: 'https://meet.google.com/abc-defg-hil' }),
      ]),
    ).toBe(2);
  });

  it.each([
    [2, '2', 'SavvySolve Meet — 2 live Meet calls'],
    [1, '1', 'SavvySolve Meet — 1 live Meet call'],
    [0, '', 'SavvySolve Meet — no live Meet calls'],
    [undefined, '', 'SavvySolve Meet'],
    [250, '99', 'SavvySolve Meet — 250 live Meet calls'],
  ])('shows %s as "%s"', async (count, text, title) => {
    const action = fakeAction();
    await showLiveMeetCount(action, count);
    expect(action.setBadgeText).toHaveBeenCalledWith({ text });
    expect(action.setTitle).toHaveBeenCalledWith({ title });
  });
});
