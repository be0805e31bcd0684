import { MEET_ROOM_PATTERN, messageOf, type CreateMeetLinkResponse, type ResendSmsResponse } from '../../../shared/index.ts';
import { ExtensionError } from '../../lib/errors.ts';
import { isMeetLinkToOpen } from '../../lib/meet-links.ts';

/** The backend calls this feature needs, already carrying the solver's session token. */
export type MeetApi = {
  createMeetLink(sessionId: string): Promise<CreateMeetLinkResponse>;
  captureMeetLink(sessionId: string, meetLink: string): Promise<CreateMeetLinkResponse>;
  resendSms(sessionId: string): Promise<ResendSmsResponse>;
};

export type TabOpener = {
  create(options: { url: string; active: boolean; index?: number; windowId?: number }): Promise<{ id?: number }>;
  update(tabId: number, options: { url: string }): Promise<unknown>;
};

/**
 * Tabs opened after a Calendar fallback (tab id → session id), kept where a restarted service worker finds them.
 * One storage key per tab, so two tabs watched at once never overwrite each other.
 */
export type CaptureStore = {
  get(tabId: number): Promise<string | undefined>;
  set(tabId: number, sessionId: string): Promise<void>;
  remove(tabId: number): Promise<void>;
};

export type MeetCallsDeps = {
  api: MeetApi;
  tabs: TabOpener;
  captures: CaptureStore;
  /** Something about the solver's sessions changed (refresh lists and badge). */
  onSessionsChanged: () => void;
  /** The extension page a new Meet tab shows while the link is made (`meet-start.html`), with its query. */
  startingPageUrl: (query: Record<string, string>) => string;
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

const notAMeetLink = () => new ExtensionError('bad_request', 'Only Google Meet links can be opened.');

/**
 * Starting and opening a session's Meet call (background side). The tab is created by the extension, so it has no
 * opener and no referrer — what `noopener,noreferrer` gives a page — and no popup blocker stands in the way after
 * the wait for Calendar. After a fallback the opened tab is watched: once it lands on a real room
 * (`meet.google.com/abc-defg-hij`) that room is handed to the backend, which texts the customer (docs/meet-link.md: fallback).
 */
export function createMeetCalls(deps: MeetCallsDeps) {
  const log = deps.log ?? (() => {});

  /** Opens a Meet link (the shared contract's {@link isMeetLinkToOpen}), or our own page when `ownPage`. */
  async function openTab(url: string, from: OpenedFrom = {}, ownPage = false): Promise<number | undefined> {
    if (!ownPage && !isMeetLinkToOpen(url)) throw notAMeetLink();
    const tab = await deps.tabs.create({
      url,
      active: true,
      ...(from.index !== undefined ? { index: from.index + 1 } : {}),
      ...(from.windowId !== undefined ? { windowId: from.windowId } : {}),
    });
    return tab.id;
  }

  async function forget(tabId: number): Promise<string | undefined> {
    const sessionId = await deps.captures.get(tabId);
    if (sessionId !== undefined) await deps.captures.remove(tabId);
    return sessionId;
  }

  /** Sends the tab to `url`, or opens a new one when the solver closed it meanwhile. */
  async function navigate(tabId: number | undefined, url: string, from?: OpenedFrom): Promise<number | undefined> {
    if (tabId === undefined) return openTab(url, from);
    try {
      await deps.tabs.update(tabId, { url });
      return tabId;
    } catch {
      return openTab(url, from);
    }
  }

  return {
    /**
     * Opens a tab at once on the starting page ("Starting your Google Meet…"), creates (or finds) the session's
     * link, then sends the tab to the room — or, after a fallback, to meet.google.com/new and watches it. On an
     * error the page says what went wrong, and the error is thrown to the caller too.
     */
    async start(sessionId: string, from?: OpenedFrom): Promise<CreateMeetLinkResponse> {
      const tabId = await openTab(deps.startingPageUrl({ session: sessionId }), from, true);
      let result: CreateMeetLinkResponse;
      try {
        result = await deps.api.createMeetLink(sessionId);
        if (!isMeetLinkToOpen(result.meetLink)) throw notAMeetLink();
      } catch (error) {
        if (tabId !== undefined)
          await navigate(tabId, deps.startingPageUrl({ session: sessionId, error: messageOf(error) })).catch(() => {});
        throw error;
      }
      const shownIn = await navigate(tabId, result.meetLink, from);
      if (result.usedFallback && shownIn !== undefined) await deps.captures.set(shownIn, sessionId);
      deps.onSessionsChanged();
      return result;
    },

    /** Opens a session's stored link; anything but a Meet room or `meet.google.com/new` is refused (`bad_request`). */
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
        log('Could not hand the Meet room to the backend', { sessionId, error: messageOf(error) });
      }
    },

    /** `tabs.onRemoved`: stop watching a closed tab. */
    async tabRemoved(tabId: number): Promise<void> {
      await forget(tabId);
    },
  };
}

export type MeetCalls = ReturnType<typeof createMeetCalls>;
