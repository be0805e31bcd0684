import { ExtensionError } from '../../lib/errors.ts';
import type { MessageSender, MessageType } from '../../lib/messages.ts';
import { sessionIdFromUrl } from '../../lib/page-detection.ts';

/**
 * What a content script may ask: exactly what the session page's button needs. A content script shares its renderer
 * with a web page, so whatever that page's code can do, a compromised page can ask here too; everything else (the
 * session list with every customer, sign-in, settings, SMS, realtime, health) is for our own extension pages.
 */
export const CONTENT_SCRIPT_MESSAGES = ['page.settings', 'sessions.get', 'meet.canUse', 'meet.start', 'meet.open', 'panel.open'] as const;

/** Of {@link CONTENT_SCRIPT_MESSAGES}, those asked from any page of a session origin (before it is known to be a session page). */
const ANY_PAGE_OF_THE_ORIGIN: readonly MessageType[] = ['page.settings'];

/** Of {@link CONTENT_SCRIPT_MESSAGES}, those about one session: only the session of the sender's own page. */
const ABOUT_ONE_SESSION: readonly MessageType[] = ['sessions.get', 'meet.start', 'meet.open'];

export type SenderPolicyDeps = {
  /** `browser.runtime.id`. */
  extensionId: string;
  /** Our pages' base URL, `chrome-extension://<id>/` (`runtime.getURL('/')`). */
  extensionBaseUrl: string;
};

/** Who sent a message: one of our extension pages, or our content script in a web page at `url`. */
export type SenderKind = { kind: 'extension_page' } | { kind: 'content_script'; url: string };

const refuse = (why: string) => new ExtensionError('forbidden', `SavvySolve Meet refused this request: ${why}`);

/**
 * Decides which messages each sender may send (docs/guarantees.md: the extension's trust boundary). Chrome fills in
 * `sender.id` and `sender.url` itself — a page cannot choose them — so they say who is asking: our extension pages
 * (any message), or our content script in a page whose URL is then checked against the session page patterns.
 */
export function createSenderPolicy(deps: SenderPolicyDeps) {
  /** Throws `forbidden` for a sender that is not ours at all. */
  function classify(sender: MessageSender): SenderKind {
    if (sender.id !== deps.extensionId) throw refuse('it did not come from SavvySolve Meet.');
    if (sender.url?.startsWith(deps.extensionBaseUrl)) return { kind: 'extension_page' };
    // Our content script runs in top frames only. `sender.url` stays the URL the document loaded with; the tab's URL
    // follows the page's `history.pushState` navigations (an SPA moving from one session to another).
    const url = sender.frameId === 0 && sender.tab?.url ? sender.tab.url : sender.url;
    if (!url) throw refuse('the sender has no address.');
    return { kind: 'content_script', url };
  }

  /**
   * Throws `forbidden` unless `sender` may send `type` with `payload`. `sessionUrlPatterns` are the configured session
   * page patterns; `undefined` means not known yet (a service worker that has just woken), which only `panel.open`
   * accepts: it must run inside the click's user gesture, which ends at the first wait, and it opens nothing but our
   * own side panel — so then the content script's origin, which Chrome only injects into on the session pages'
   * origins, stands for the page.
   */
  function authorize(type: MessageType, payload: unknown, sender: MessageSender, sessionUrlPatterns: readonly string[] | undefined): void {
    const from = classify(sender);
    if (from.kind === 'extension_page') return;
    if (!(CONTENT_SCRIPT_MESSAGES as readonly MessageType[]).includes(type)) throw refuse(`a web page may not ask for ${type}.`);
    if (ANY_PAGE_OF_THE_ORIGIN.includes(type)) return;
    if (sessionUrlPatterns === undefined) {
      if (type === 'panel.open') return;
      throw refuse('the session page patterns are not known yet.');
    }
    const pageSessionId = sessionIdFromUrl(from.url, sessionUrlPatterns);
    if (pageSessionId === undefined) throw refuse('the page is not a session page.');
    if (!ABOUT_ONE_SESSION.includes(type)) return;
    // A pattern with `:sessionId` names the page's session; one without leaves it to the page (`data-session-id`).
    const asked = (payload as { sessionId?: unknown } | undefined)?.sessionId;
    if (pageSessionId !== null && (typeof asked !== 'string' || asked.toLowerCase() !== pageSessionId)) {
      throw refuse('a session page may only ask about its own session.');
    }
  }

  return { classify, authorize };
}

export type SenderPolicy = ReturnType<typeof createSenderPolicy>;
