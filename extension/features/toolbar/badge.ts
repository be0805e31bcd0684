import type { browser } from 'wxt/browser';
import type { SessionSummary } from '../../../shared/index.ts';

type ActionApi = Pick<typeof browser.action, 'setBadgeText' | 'setBadgeBackgroundColor' | 'setTitle'>;

/** Sessions with a live Meet call: active, with a stored link (a fallback not captured yet has none). */
export function countLiveMeets(sessions: readonly SessionSummary[]): number {
  return sessions.filter((session) => session.status === 'active' && session.meetLink !== null).length;
}

const BADGE_COLOR = '#1a73e8';

/** Shows the number of live Meet calls on the toolbar button (nothing when there are none or signed out). */
export async function showLiveMeetCount(action: ActionApi, count: number | undefined): Promise<void> {
  const text = count ? String(Math.min(count, 99)) : '';
  const title =
    count === undefined
      ? 'SavvySolve Meet'
      : `SavvySolve Meet — ${count === 0 ? 'no live Meet calls' : count === 1 ? '1 live Meet call' : `${count} live Meet calls`}`;
  await Promise.all([action.setBadgeText({ text }), action.setBadgeBackgroundColor({ color: BADGE_COLOR }), action.setTitle({ title })]);
}
