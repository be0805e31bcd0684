import { describe, expect, it, vi } from 'vitest';
import { FALLBACK_MEET_LINK } from '../../../shared/index.ts';
import { createMeetCalls, meetRoomOf, type MeetApi } from './meet-calls.ts';

const SESSION = '3f2c1a9e-8b7d-4c6e-9f01-23456789abcd';
const ROOM = 'https://meet.google.com/abc-defg-hij';

const STARTING = 'chrome-extension://id/meet-start.html';

function setup(createResult: { meetLink: string; usedFallback: boolean } | Error) {
  const captures: Record<string, string> = {};
  const api = {
    createMeetLink: vi.fn(async () => {
      if (createResult instanceof Error) throw createResult;
      return { success: true, isExisting: false, ...createResult };
    }),
    captureMeetLink: vi.fn(async (_sessionId: string, meetLink: string) => ({
      success: true,
      meetLink,
      isExisting: false,
      usedFallback: false,
    })),
    resendSms: vi.fn(async () => ({
      sms: { status: 'queued' as const, error: null, errorCode: null, errorClass: null, updatedAt: '2030-01-01T00:00:00.000Z' },
    })),
  } satisfies MeetApi;
  let nextTab = 40;
  const closed = new Set<number>();
  const tabs = {
    create: vi.fn(async (_options: { url: string }) => ({ id: nextTab++ })),
    update: vi.fn(async (tabId: number, _options: { url: string }) => {
      if (closed.has(tabId)) throw new Error(`No tab with id: ${tabId}.`);
    }),
  };
  const onSessionsChanged = vi.fn();
  const calls = createMeetCalls({
    api,
    tabs,
    captures: {
      get: async (tabId) => captures[String(tabId)],
      set: async (tabId, sessionId) => void (captures[String(tabId)] = sessionId),
      remove: async (tabId) => void delete captures[String(tabId)],
    },
    onSessionsChanged,
    startingPageUrl: (query) => `${STARTING}?${new URLSearchParams(query)}`,
  });
  return { calls, api, tabs, onSessionsChanged, captures: () => ({ ...captures }), close: (tabId: number) => closed.add(tabId) };
}

describe('Meet calls (background)', () => {
  it('opens the tab at once on the starting page, right after the session tab, then sends it to the room', async () => {
    const { calls, api, tabs, onSessionsChanged, captures } = setup({ meetLink: ROOM, usedFallback: false });
    let tabOpenedBeforeTheLink = false;
    api.createMeetLink.mockImplementationOnce(async () => {
      tabOpenedBeforeTheLink = tabs.create.mock.calls.length === 1;
      return { success: true, isExisting: false, meetLink: ROOM, usedFallback: false };
    });
    const result = await calls.start(SESSION, { index: 3, windowId: 2 });
    expect(tabOpenedBeforeTheLink).toBe(true);
    expect(result.meetLink).toBe(ROOM);
    expect(tabs.create).toHaveBeenCalledWith({ url: `${STARTING}?session=${SESSION}`, active: true, index: 4, windowId: 2 });
    expect(tabs.update).toHaveBeenCalledWith(40, { url: ROOM });
    expect(onSessionsChanged).toHaveBeenCalled();
    expect(captures()).toEqual({});
  });

  it('says on the starting page what went wrong, and still reports the error', async () => {
    const { calls, tabs } = setup(new Error('Session not found'));
    await expect(calls.start(SESSION)).rejects.toThrow('Session not found');
    expect(tabs.update).toHaveBeenCalledWith(40, { url: `${STARTING}?session=${SESSION}&error=Session+not+found` });
  });

  it('opens the room in a new tab when the solver closed the starting tab meanwhile', async () => {
    const { calls, tabs, close } = setup({ meetLink: ROOM, usedFallback: false });
    close(40);
    await calls.start(SESSION);
    expect(tabs.create).toHaveBeenLastCalledWith({ url: ROOM, active: true });
  });

  it('watches two fallback tabs at once without one overwriting the other', async () => {
    const { calls, captures } = setup({ meetLink: FALLBACK_MEET_LINK, usedFallback: true });
    await Promise.all([calls.start(SESSION), calls.start('0b8f3a52-5a7c-4d7e-9a43-0d8b7d0f3e11')]);
    expect(Object.keys(captures()).sort()).toEqual(['40', '41']);
  });

  it('after a fallback, watches the tab and hands the real room to the backend once', async () => {
    const { calls, api, captures, onSessionsChanged } = setup({ meetLink: FALLBACK_MEET_LINK, usedFallback: true });
    await calls.start(SESSION);
    expect(captures()).toEqual({ '40': SESSION });

    await calls.tabUpdated(40, 'https://meet.google.com/new');
    await calls.tabUpdated(99, `${ROOM}?authuser=0`);
    expect(api.captureMeetLink).not.toHaveBeenCalled();

    onSessionsChanged.mockClear();
    await calls.tabUpdated(40, `${ROOM}?authuser=0&hs=179`);
    expect(api.captureMeetLink).toHaveBeenCalledWith(SESSION, ROOM);
    expect(onSessionsChanged).toHaveBeenCalledTimes(1);
    expect(captures()).toEqual({});

    await calls.tabUpdated(40, 'https://meet.google.com/xyz-abcd-efg');
    expect(api.captureMeetLink).toHaveBeenCalledTimes(1);
  });

  it('stops watching a fallback tab that is closed', async () => {
    const { calls, api, captures } = setup({ meetLink: FALLBACK_MEET_LINK, usedFallback: true });
    await calls.start(SESSION);
    await calls.tabRemoved(40);
    expect(captures()).toEqual({});
    await calls.tabUpdated(40, ROOM);
    expect(api.captureMeetLink).not.toHaveBeenCalled();
  });

  it('opens a Meet room or the fallback, and nothing else', async () => {
    const { calls, tabs } = setup({ meetLink: ROOM, usedFallback: false });
    await calls.open(ROOM);
    await calls.open(FALLBACK_MEET_LINK);
    expect(tabs.create).toHaveBeenCalledWith({ url: ROOM, active: true });
    expect(tabs.create).toHaveBeenCalledWith({ url: FALLBACK_MEET_LINK, active: true });
    for (const url of ['javascript:alert(1)', 'chrome://settings', 'https://evil.example/', 'https://meet.google.com/abc-defg-hij?x=1']) {
      await expect(calls.open(url)).rejects.toThrow('Only Google Meet links can be opened.');
    }
    expect(tabs.create).toHaveBeenCalledTimes(2);
  });

  it('does not send the tab to a link the backend answered that is not a Meet link, and says why in it', async () => {
    const { calls, tabs, onSessionsChanged } = setup({ meetLink: 'https://evil.example/abc-defg-hij', usedFallback: false });
    await expect(calls.start(SESSION)).rejects.toMatchObject({ code: 'bad_request' });
    expect(tabs.update).toHaveBeenCalledExactlyOnceWith(40, {
      url: `${STARTING}?${new URLSearchParams({ session: SESSION, error: 'Only Google Meet links can be opened.' })}`,
    });
    expect(onSessionsChanged).not.toHaveBeenCalled();
  });

  it('announces a resent SMS', async () => {
    const { calls, api, onSessionsChanged } = setup({ meetLink: ROOM, usedFallback: false });
    expect((await calls.resendSms(SESSION)).sms.status).toBe('queued');
    expect(api.resendSms).toHaveBeenCalledWith(SESSION);
    expect(onSessionsChanged).toHaveBeenCalled();
  });
});

describe('meetRoomOf', () => {
  it.each([
    [ROOM, ROOM],
    [`${ROOM}?authuser=1#x`, ROOM],
    ['https://meet.google.com/new', undefined],
    ['https://meet.google.com/landing', undefined],
    ['https://evil.com/abc-defg-hij', undefined],
    ['http://meet.google.com/abc-defg-hij', undefined],
    [undefined, undefined],
  ])('%s → %s', (url, room) => {
    expect(meetRoomOf(url)).toBe(room);
  });
});
