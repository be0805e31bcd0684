import { compileSessionUrlPatterns } from './session-url-pattern.ts';

/** The part of `window` page detection reads; tests pass a stand-in. */
export type PageWindow = {
  location: { href: string };
  document: Pick<Document, 'querySelector'>;
};

export type SessionPageSettings = {
  sessionUrlPatterns: readonly string[];
  sessionHeaderSelector: string;
};

export type PageDetection =
  /** Not a session page: no URL pattern matches. */
  | { kind: 'other' }
  /** A session page whose header is not (yet) in the DOM. */
  | { kind: 'waiting-for-header'; sessionId: string | undefined }
  /** The header is there but no session id can be found (no `:sessionId` in the URL, no `data-session-id`). */
  | { kind: 'no-session-id'; header: Element }
  | { kind: 'session'; sessionId: string; header: Element };

export const SESSION_ID_ATTRIBUTE = 'data-session-id';
const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The session id a URL carries, `null` for a session page without one in its URL, `undefined` for other pages. */
export function sessionIdFromUrl(url: string, patterns: readonly string[]): string | null | undefined {
  let sessionPage = false;
  for (const pattern of compileSessionUrlPatterns(patterns)) {
    const match = pattern.match(url);
    if (!match) continue;
    if (match.sessionId) return match.sessionId;
    sessionPage = true;
  }
  return sessionPage ? null : undefined;
}

function querySafely(document: PageWindow['document'], selector: string): Element | null {
  try {
    return document.querySelector(selector);
  } catch {
    // A malformed selector (from policy, say) finds nothing rather than breaking the page.
    return null;
  }
}

function sessionIdFromAttributes(document: PageWindow['document'], header: Element): string | undefined {
  const value =
    header.getAttribute(SESSION_ID_ATTRIBUTE) ?? querySafely(document, `[${SESSION_ID_ATTRIBUTE}]`)?.getAttribute(SESSION_ID_ATTRIBUTE);
  const trimmed = value?.trim();
  return trimmed && UUID_PATTERN.test(trimmed) ? trimmed.toLowerCase() : undefined;
}

/**
 * Is this a session page, and where does the Meet button go? The URL decides whether it is a session page; the
 * session id comes from the URL (`:sessionId`) and otherwise from a `data-session-id` attribute — on the header
 * first, then anywhere in the document. The URL wins when both exist: during an SPA navigation the old header
 * can still carry the previous session's id.
 */
export function detectSessionPage(win: PageWindow, settings: SessionPageSettings): PageDetection {
  const fromUrl = sessionIdFromUrl(win.location.href, settings.sessionUrlPatterns);
  if (fromUrl === undefined) return { kind: 'other' };
  const header = querySafely(win.document, settings.sessionHeaderSelector);
  if (!header) return { kind: 'waiting-for-header', sessionId: fromUrl ?? undefined };
  const sessionId = fromUrl ?? sessionIdFromAttributes(win.document, header);
  return sessionId ? { kind: 'session', sessionId, header } : { kind: 'no-session-id', header };
}
