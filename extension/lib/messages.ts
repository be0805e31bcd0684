import { browser, type Browser } from 'wxt/browser';
import type {
  CanUseMeetResponse,
  CreateMeetLinkResponse,
  HealthResponse,
  ListSessionsResponse,
  RealtimeTokenRequest,
  ResendSmsResponse,
  SessionSummary,
  Solver,
} from '../../shared/index.ts';
import { messageOf } from '../../shared/errors.ts';
import { ExtensionError } from './errors.ts';
import type { SessionPageSettings } from './page-detection.ts';

/** Why the extension is signed out (or why the last sign-in failed), in words a solver can act on. */
export type AuthProblem = {
  /** `forbidden` (e.g. no solver for this account), `unauthorized`, `network`, `identity`, `not_configured`, … */
  code: string;
  message: string;
};

export type AuthState = { status: 'signed_in'; solver: Solver; expiresAt: string } | { status: 'signed_out'; problem?: AuthProblem };

/**
 * Every request the content script, side panel and options page send to the background — the only context that
 * talks to the backend. `request` is what the sender passes, `response` what it gets back. A content script may send
 * only what the session page's button needs; the background refuses the rest (`forbidden`, see
 * `entrypoints/background/sender-policy.ts`).
 */
export type Protocol = {
  'auth.get': { request: undefined; response: AuthState };
  'auth.signIn': { request: { interactive: boolean }; response: AuthState };
  'auth.signOut': { request: undefined; response: AuthState };
  'meet.canUse': { request: undefined; response: CanUseMeetResponse };
  /** Creates (or finds) the session's link and opens it in a new tab. */
  'meet.start': { request: { sessionId: string }; response: CreateMeetLinkResponse };
  /**
   * Opens the session's stored link in a new tab: the backend's link of a session the solver owns, and only a Meet
   * room or `meet.google.com/new` (never a URL from the sender).
   */
  'meet.open': { request: { sessionId: string }; response: undefined };
  'meet.resendSms': { request: { sessionId: string }; response: ResendSmsResponse };
  'sessions.list': { request: undefined; response: ListSessionsResponse };
  /**
   * One of the signed-in solver's sessions, or `null` when it is not theirs (or does not exist). Answered from a
   * short cache in the background, emptied when sessions change and on sign-in or sign-out.
   */
  'sessions.get': { request: { sessionId: string }; response: SessionSummary | null };
  /**
   * Opens the side panel in the sender tab's window. Send it straight from a click: Chrome opens the panel only
   * in answer to a user gesture, which the background's handler still carries while it runs synchronously.
   */
  'panel.open': { request: undefined; response: undefined };
  /** An Ably token request for the solver's own channel, or `null` when realtime is not configured. */
  'realtime.tokenRequest': { request: undefined; response: RealtimeTokenRequest | null };
  /**
   * The settings a session page's content script needs (storage is closed to content scripts: they cannot read or
   * write the settings that decide where tokens go).
   */
  'page.settings': { request: undefined; response: SessionPageSettings };
  /** The backend's database and integration states, as its `/health` reports them. */
  'backend.health': { request: undefined; response: HealthResponse };
};

export type MessageType = keyof Protocol;
export type RequestOf<T extends MessageType> = Protocol[T]['request'];
export type ResponseOf<T extends MessageType> = Protocol[T]['response'];

/**
 * Events the background pushes to every extension page and content script. `sessions.changed` carries the fresh
 * list when the background has it, for extension pages only: pages take it as it is instead of asking again.
 * `settings.changed` carries what content scripts read through `page.settings`.
 */
export type Broadcast =
  | { event: 'auth.changed'; state: AuthState }
  | { event: 'sessions.changed'; sessions?: SessionSummary[] }
  | { event: 'settings.changed'; settings: SessionPageSettings };

type RequestEnvelope = { kind: 'savvysolve.request'; type: MessageType; payload: unknown };
/** `toTabs`: sent with `tabs.sendMessage`, for the content scripts in web pages. */
type BroadcastEnvelope = { kind: 'savvysolve.broadcast'; broadcast: Broadcast; toTabs?: true };
type Reply = { ok: true; value: unknown } | { ok: false; error: { code: string; message: string; status?: number } };

type Runtime = Pick<typeof browser.runtime, 'sendMessage' | 'onMessage'>;

const isRequest = (message: unknown): message is RequestEnvelope =>
  typeof message === 'object' && message !== null && (message as RequestEnvelope).kind === 'savvysolve.request';

const isBroadcast = (message: unknown): message is BroadcastEnvelope =>
  typeof message === 'object' && message !== null && (message as BroadcastEnvelope).kind === 'savvysolve.broadcast';

/** Asks the background; resolves with its answer or rejects with an {@link ExtensionError}. */
export async function sendMessage<T extends MessageType>(
  type: T,
  ...[payload]: RequestOf<T> extends undefined ? [] : [RequestOf<T>]
): Promise<ResponseOf<T>> {
  const envelope: RequestEnvelope = { kind: 'savvysolve.request', type, payload };
  let reply: Reply | undefined;
  try {
    reply = (await browser.runtime.sendMessage(envelope)) as Reply | undefined;
  } catch (error) {
    const message = messageOf(error);
    if (/context invalidated/i.test(message)) {
      throw new ExtensionError('context_invalidated', 'SavvySolve Meet was updated or reloaded: reload this page.');
    }
    throw new ExtensionError('unreachable', `SavvySolve Meet's background did not answer (${message}).`);
  }
  if (!reply) throw new ExtensionError('no_answer', 'SavvySolve Meet did not answer. Try again.');
  if (!reply.ok) throw new ExtensionError(reply.error.code, reply.error.message, reply.error.status);
  return reply.value as ResponseOf<T>;
}

export type MessageSender = Browser.runtime.MessageSender;
export type Handlers = { [T in MessageType]: (payload: RequestOf<T>, sender: MessageSender) => Promise<ResponseOf<T>> };

/**
 * Turns anything thrown by a handler (an {@link ExtensionError}, or anything else with a `code`) into the
 * `{ code, message, status }` a sender can show; an error without a code is `internal`.
 */
export function toErrorReply(error: unknown): Reply {
  if (error && typeof error === 'object' && 'code' in error && 'message' in error) {
    const { code, message, status } = error as { code: unknown; message: unknown; status?: unknown };
    return {
      ok: false,
      error: { code: String(code), message: String(message), ...(typeof status === 'number' ? { status } : {}) },
    };
  }
  return { ok: false, error: { code: 'internal', message: messageOf(error) } };
}

/**
 * Serves the protocol in the background. Answers through `sendResponse` + `return true`, which every Chromium and
 * WXT's fake browser understand.
 */
export function serveMessages(handlers: Handlers, runtime: Runtime = browser.runtime): () => void {
  const listener = (message: unknown, sender: MessageSender, sendResponse: (reply: Reply) => void) => {
    if (!isRequest(message)) return false;
    const handler = handlers[message.type] as ((payload: unknown, sender: MessageSender) => Promise<unknown>) | undefined;
    if (!handler) {
      sendResponse({ ok: false, error: { code: 'unknown_message', message: `Unknown request ${String(message.type)}` } });
      return false;
    }
    // The handler starts synchronously, inside the sender's user gesture (`panel.open` needs it); one that throws
    // synchronously still answers with an error.
    let answer: Promise<unknown>;
    try {
      answer = Promise.resolve(handler(message.payload, sender));
    } catch (error) {
      answer = Promise.reject(error);
    }
    answer.then(
      (value) => sendResponse({ ok: true, value }),
      (error: unknown) => sendResponse(toErrorReply(error)),
    );
    return true;
  };
  runtime.onMessage.addListener(listener);
  return () => runtime.onMessage.removeListener(listener);
}

/** Whether this code runs in one of our extension pages (not a content script in a web page). */
const inExtensionPage = () => typeof location !== 'undefined' && location.origin === new URL(browser.runtime.getURL('/')).origin;

/**
 * Whether a broadcast may have come from the background: not from a web page's tab. A content script's
 * `runtime.sendMessage` reaches every extension page too, so a hostile page could otherwise hand the side panel a
 * forged session list or sign-in state; Chrome gives such a message the page's tab and URL.
 */
const fromBackground = (sender: MessageSender | undefined) =>
  !sender?.tab && (sender?.url === undefined || sender.url.startsWith(browser.runtime.getURL('/')));

/** Listens for background broadcasts (in an extension page or a content script). */
export function onBroadcast(callback: (broadcast: Broadcast) => void, runtime: Runtime = browser.runtime): () => void {
  // An extension page shown in a tab (the options page; the side panel in the e2e tests) would get each broadcast
  // a second time through `tabs.sendMessage`, and without the list: only the content scripts' copy is for tabs.
  const ownPage = inExtensionPage();
  const listener = (message: unknown, sender?: MessageSender) => {
    if (isBroadcast(message) && fromBackground(sender) && !(message.toTabs && ownPage)) callback(message.broadcast);
    return false;
  };
  runtime.onMessage.addListener(listener);
  return () => runtime.onMessage.removeListener(listener);
}

type BroadcastTargets = {
  runtime: Pick<typeof browser.runtime, 'sendMessage'>;
  tabs: Pick<typeof browser.tabs, 'query' | 'sendMessage'>;
};

/**
 * What a web page's tab may receive: content scripts share the page's renderer, so the customers on the list (names,
 * phone numbers) stay in extension pages; a content script asks for its one session.
 */
const forTabs = (message: Broadcast): Broadcast => (message.event === 'sessions.changed' ? { event: 'sessions.changed' } : message);

/** Sends a broadcast to extension pages and to every tab (content scripts); nobody listening is fine. */
export async function broadcast(message: Broadcast, targets: BroadcastTargets = browser): Promise<void> {
  const envelope: BroadcastEnvelope = { kind: 'savvysolve.broadcast', broadcast: message };
  const tabEnvelope: BroadcastEnvelope = { kind: 'savvysolve.broadcast', broadcast: forTabs(message), toTabs: true };
  const ignore = () => undefined;
  const tabs = await targets.tabs.query({}).catch(() => []);
  await Promise.all([
    Promise.resolve()
      .then(() => targets.runtime.sendMessage(envelope))
      .catch(ignore),
    ...tabs.map((tab) =>
      tab.id === undefined
        ? undefined
        : Promise.resolve()
            .then(() => targets.tabs.sendMessage(tab.id!, tabEnvelope))
            .catch(ignore),
    ),
  ]);
}
