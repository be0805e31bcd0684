import { describe, expect, it, vi } from 'vitest';
import type { ListSessionsResponse } from '../../../shared/index.ts';
import { ExtensionError } from '../../lib/errors.ts';
import { aSession } from '../../test-fixtures.ts';
import { createSessionsRefresh } from './sessions-refresh.ts';

/** A `load` whose requests the test answers one by one, in order. */
function setup() {
  const pending: { resolve: (list: ListSessionsResponse) => void; reject: (error: Error) => void }[] = [];
  const load = vi.fn(
    () =>
      new Promise<ListSessionsResponse>((resolve, reject) => {
        pending.push({ resolve, reject });
      }),
  );
  const onList = vi.fn();
  const announce = vi.fn();
  const changed = vi.fn();
  const refresh = createSessionsRefresh({ load, onList, announce, changed });
  /** Answers the oldest request still open, once it has been made. */
  const answer = async (list: ListSessionsResponse) => {
    await vi.waitFor(() => expect(pending.length).toBeGreaterThan(0));
    pending.shift()!.resolve(list);
  };
  return { load, onList, announce, changed, refresh, answer, pending };
}

const one = { sessions: [aSession()] };
const two = { sessions: [aSession(), aSession({ id: '0b9f6c52-1111-4abc-8def-0123456789ab', customerName: 'Alan Turing' })] };

describe('the background’s one session list', () => {
  it('feeds every asker, the badge and (after a change) the extension pages from one request', async () => {
    const { load, onList, announce, refresh, answer } = setup();
    const asks = [refresh.refresh({ announce: true }), refresh.refresh(), refresh.refresh()];
    await answer(one);
    expect(await Promise.all(asks)).toEqual([one, one, one]);
    expect(load).toHaveBeenCalledTimes(1);
    expect(onList).toHaveBeenCalledExactlyOnceWith(one.sessions);
    expect(announce).toHaveBeenCalledExactlyOnceWith(one.sessions);
  });

  it('does not announce a list nobody asked to announce (a poll)', async () => {
    const { onList, announce, refresh, answer } = setup();
    const ask = refresh.refresh();
    await answer(one);
    await ask;
    expect(onList).toHaveBeenCalledTimes(1);
    expect(announce).not.toHaveBeenCalled();
  });

  it('answers an ask made during a request with the next one (read after the ask), shared by all who wait', async () => {
    const { load, announce, refresh, answer } = setup();
    const poll = refresh.refresh();
    await vi.waitFor(() => expect(load).toHaveBeenCalledTimes(1));
    // A change lands while the poll's request is under way: its list may predate the change.
    const afterChange = refresh.refresh({ announce: true });
    const another = refresh.refresh();
    await answer(one);
    expect(await poll).toEqual(one);
    expect(announce).not.toHaveBeenCalled();
    await answer(two);
    expect(await afterChange).toEqual(two);
    expect(await another).toEqual(two);
    expect(load).toHaveBeenCalledTimes(2);
    expect(announce).toHaveBeenCalledExactlyOnceWith(two.sessions);
  });

  it('passes a failure to its askers, announces nothing, and asks again next time', async () => {
    const { load, onList, announce, refresh, pending } = setup();
    const ask = refresh.refresh({ announce: true });
    await vi.waitFor(() => expect(pending.length).toBe(1));
    pending.shift()!.reject(new ExtensionError('network', 'Can’t reach the backend', 0));
    await expect(ask).rejects.toMatchObject({ code: 'network' });
    expect(onList).not.toHaveBeenCalled();
    expect(announce).not.toHaveBeenCalled();
    const again = refresh.refresh();
    await vi.waitFor(() => expect(pending.length).toBe(1));
    pending.shift()!.resolve(one);
    expect(await again).toEqual(one);
    expect(load).toHaveBeenCalledTimes(2);
  });

  it('gives nobody else a list that was under way when another solver signed in', async () => {
    const { load, onList, announce, refresh, answer } = setup();
    const ask = refresh.refresh({ announce: true });
    await vi.waitFor(() => expect(load).toHaveBeenCalledTimes(1));
    refresh.reset();
    await answer(one);
    expect(await ask).toEqual(one);
    expect(onList).not.toHaveBeenCalled();
    expect(announce).not.toHaveBeenCalled();
  });

  it('says a list fetched for someone else changed, so the session pages ask again (not the first, not a repeat)', async () => {
    const { changed, announce, refresh, answer } = setup();
    const first = refresh.refresh();
    await answer(one);
    await first;
    expect(changed).not.toHaveBeenCalled();
    const same = refresh.refresh();
    await answer(one);
    await same;
    expect(changed).not.toHaveBeenCalled();
    const differs = refresh.refresh();
    await answer(two);
    await differs;
    expect(changed).toHaveBeenCalledTimes(1);
    // A change made from this browser is announced to everyone instead.
    const announced = refresh.refresh({ announce: true });
    await answer(one);
    await announced;
    expect(announce).toHaveBeenCalledWith(one.sessions);
    expect(changed).toHaveBeenCalledTimes(1);
  });
});

