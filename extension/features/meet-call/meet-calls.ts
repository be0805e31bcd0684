import { MEET_ROOM_PATTERN, type CreateMeetLinkResponse, type ResendSmsResponse } from '../../../shared/index.ts';

/** The backend calls this feature needs, already carrying the solver's session token. */
export type MeetApi = {
  createMeetLink(sessionId: string): Promise<CreateMeetLinkResponse>;
  captureMeetLink(sessionId: string, meetLink: string): Promise<CreateMeetLinkResponse>;
  resendSms(sessionId: string): Promise<ResendSmsResponse>;
};

export type TabOpener = {
  create(options: { url: string; active: boolean; index?: number; windowId?: number }): Promise<{ id?: number }>;
};

/** Tabs opened after a Calendar fallback, by tab id, kept where a restarted service worker finds them. */
export type CaptureStore = {
  get(): Promise<Record<string, string>>;
  set(value: Record<string, string>): Promise<void>;
};

export type MeetCallsDeps = {
  api: MeetApi;
  tabs: TabOpener;
  captures: CaptureStore;
  /** Something about the solver's sessions changed (refresh lists and badge). */
  onSessionsChanged: () => void;
  log?: (message: string, details?: unknown) => void;
};

/** Where the new tab goes: right after the tab the click came from, in its window. */
export type OpenedFrom = { index?: number; windowId?: number };

/** A real Meet room without query or fragment, or `undefined`. */
export function meetRoomOf(url: string | undefined): string | undefined {
  if (!url) return undefined;
  try {
    const parsed = new URL(url);
    const room = `${parsed.origin}${parsed.pathname}`;
    return MEET_ROOM_PATTERN.test(room) ? room : undefined;
  } catch {
    return undefined;
  }
}

const isWebUrl = (url: string) => {
  try {
    const { protocol } = new URL(url);
    return protocol === 'https:' || protocol === 'http:';
  } catch {
    return false;
  }
};

/**
 * Starting and opening a session's Meet call (background side). The tab is created by the extension, so it has no
 * opener and no referrer — what `noopener,noreferrer` gives a page — and no popup blocker stands in the way after
 * the wait for Calendar. After a fallback the opened tab is watched: once it lands on a real room
 * (`meet.google.com/abc-defg-hij`) that room is handed to the backend, which texts the customer (DESIGN flow 4).
 */
export function createMeetCalls(deps: MeetCallsDeps) {
  const log = deps.log ?? (() => {});

  async function openTab(url: string, from: OpenedFrom = {}): Promise<number | undefined> {
    if (!isWebUrl(url)) throw Object.assign(new Error('Only web links can be opened.'), { code: 'bad_request' });
    const tab = await deps.tabs.create({
      url,
      active: true,
      ...(from.index !== undefined ? { index: from.index + 1 } : {}),
      ...(from.windowId !== undefined ? { windowId: from.windowId } : {}),
    });
    return tab.id;
  }

  async function watchForCapture(tabId: number, sessionId: string) {
    const captures = await deps.captures.get();
    await deps.captures.set({ ...captures, [String(tabId)]: sessionId });
  }

  async function forget(tabId: number): Promise<string | undefined> {
    const captures = await deps.captures.get();
    const sessionId = captures[String(tabId)];
    if (sessionId === undefined) return undefined;
    const { [String(tabId)]: _removed, ...rest } = captures;
    await deps.captures.set(rest);
    return sessionId;
  }

  return {
    /** Creates (or finds) the session's link and opens it. */
    async start(sessionId: string, from?: OpenedFrom): Promise<CreateMeetLinkResponse> {
      const result = await deps.api.createMeetLink(sessionId);
      const tabId = await openTab(result.meetLink, from);
      if (result.usedFallback && tabId !== undefined) await watchForCapture(tabId, sessionId);
      deps.onSessionsChanged();
      return result;
    },

    async open(url: string, from?: OpenedFrom): Promise<void> {
      await openTab(url, from);
    },

    resendSms: async (sessionId: string) => {
      const result = await deps.api.resendSms(sessionId);
      deps.onSessionsChanged();
      return result;
    },

    /** `tabs.onUpdated`: a watched fallback tab reached a real room. */
    async tabUpdated(tabId: number, url: string | undefined): Promise<void> {
      const room = meetRoomOf(url);
      if (!room) return;
      const sessionId = await forget(tabId);
      if (!sessionId) return;
      try {
        await deps.api.captureMeetLink(sessionId, room);
        deps.onSessionsChanged();
      } catch (error) {
        log('Could not hand the Meet room to the backend', { sessionId, error: error instanceof Error ? error.message : String(error) });
      }
    },

    /** `tabs.onRemoved`: stop watching a closed tab. */
    async tabRemoved(tabId: number): Promise<void> {
      await forget(tabId);
    },
  };
}

export type MeetCalls = ReturnType<typeof createMeetCalls>;
