import { z } from 'zod';
import type { ListSessionsResponse } from '../../../shared/index.ts';
import type { BackendClient } from '../../lib/backend-client.ts';
import { ExtensionError } from '../../lib/errors.ts';
import type { Handlers, MessageSender, MessageType, RequestOf, ResponseOf } from '../../lib/messages.ts';
import type { SessionPageSettings } from '../../lib/page-detection.ts';
import type { AuthManager } from '../../features/sign-in/auth-manager.ts';
import type { MeetCalls, OpenedFrom } from '../../features/meet-call/meet-calls.ts';
import type { SenderPolicy } from './sender-policy.ts';
import type { SessionCache } from './session-cache.ts';

export type HandlerDeps = {
  auth: Pick<AuthManager, 'state' | 'signIn' | 'signOut' | 'withToken'>;
  client: Pick<BackendClient, 'canUseMeet' | 'realtimeTokenRequest' | 'health'>;
  /** A fresh session list, through the background's one list refresh (which also feeds the badge). */
  listSessions: () => Promise<ListSessionsResponse>;
  meetCalls: Pick<MeetCalls, 'start' | 'open' | 'resendSms'>;
  /** One session by id, remembered briefly (`sessions.get`). */
  sessionCache: Pick<SessionCache, 'get'>;
  /** `browser.sidePanel` (its `open` must be called while the click's user gesture lasts). */
  sidePanel: { open(options: { windowId: number }): Promise<void> };
  /** Who may send what (content scripts only what the session page's button needs). */
  policy: Pick<SenderPolicy, 'authorize'>;
  /**
   * The session page settings: `current()` those already in memory (`undefined` right after the service worker woke),
   * `load()` them from storage and policy.
   */
  pageSettings: { current(): SessionPageSettings | undefined; load(): Promise<SessionPageSettings> };
};

const sessionIdSchema = z.object({ sessionId: z.uuid() });
const signInSchema = z.object({ interactive: z.boolean() });

/** Messages come from our own pages and content scripts, but a content script lives in a web page: check inputs. */
function parse<T>(schema: z.ZodType<T>, payload: unknown): T {
  const parsed = schema.safeParse(payload);
  if (!parsed.success) throw new ExtensionError('bad_request', 'Invalid request.');
  return parsed.data;
}

const openedFrom = (sender: MessageSender): OpenedFrom => (sender.tab ? { index: sender.tab.index, windowId: sender.tab.windowId } : {});

type Handler<T extends MessageType> = Handlers[T];

/**
 * Wraps a handler with the sender check; a refusal (`forbidden`) rejects before the handler runs. The check and the
 * handler start synchronously when the session page settings are in memory, so `panel.open` still holds the click's
 * user gesture; otherwise the settings are loaded first (`panel.open` is then checked without them, see
 * `sender-policy.ts`).
 */
function guarded<T extends MessageType>(type: T, handler: Handler<T>, deps: HandlerDeps): Handler<T> {
  return ((payload: RequestOf<T>, sender: MessageSender): Promise<ResponseOf<T>> => {
    const known = deps.pageSettings.current();
    if (!known && type !== 'panel.open') {
      return deps.pageSettings.load().then((settings) => {
        deps.policy.authorize(type, payload, sender, settings.sessionUrlPatterns);
        return handler(payload, sender);
      });
    }
    try {
      deps.policy.authorize(type, payload, sender, known?.sessionUrlPatterns);
      return handler(payload, sender);
    } catch (error) {
      return Promise.reject(error);
    }
  }) as Handler<T>;
}

/** Opens the stored link of one of the solver's sessions (never a link from the sender). */
async function openStoredLink(deps: HandlerDeps, sessionId: string, sender: MessageSender): Promise<undefined> {
  const session = await deps.sessionCache.get(sessionId);
  if (!session) throw new ExtensionError('not_found', 'This session is not yours, or it no longer exists.', 404);
  if (!session.meetLink) throw new ExtensionError('no_link', 'This session has no Meet link yet: start one first.');
  await deps.meetCalls.open(session.meetLink, openedFrom(sender));
  return undefined;
}

/** What the background answers to each message of the protocol, each behind the sender check. */
export function createHandlers(deps: HandlerDeps): Handlers {
  const handlers = answers(deps);
  const guard = <T extends MessageType>(type: T) => guarded(type, handlers[type], deps);
  return Object.fromEntries((Object.keys(handlers) as MessageType[]).map((type) => [type, guard(type)])) as Handlers;
}

function answers(deps: HandlerDeps): Handlers {
  const { auth, client } = deps;
  return {
    'auth.get': () => auth.state(),
    'auth.signIn': async (payload) => auth.signIn(parse(signInSchema, payload)),
    'auth.signOut': () => auth.signOut(),
    'meet.canUse': () => auth.withToken((token) => client.canUseMeet(token)),
    'meet.start': async (payload, sender) => deps.meetCalls.start(parse(sessionIdSchema, payload).sessionId, openedFrom(sender)),
    'meet.open': async (payload, sender) => openStoredLink(deps, parse(sessionIdSchema, payload).sessionId, sender),
    'meet.resendSms': async (payload) => deps.meetCalls.resendSms(parse(sessionIdSchema, payload).sessionId),
    'sessions.list': () => deps.listSessions(),
    'sessions.get': async (payload) => deps.sessionCache.get(parse(sessionIdSchema, payload).sessionId),
    // Not async, and `open` first: Chrome honours the click's user gesture only until the handler first waits.
    'panel.open': (_payload, sender) => {
      const windowId = sender.tab?.windowId;
      if (windowId === undefined) throw new ExtensionError('bad_request', 'Only a page in a browser tab can open the side panel.');
      return deps.sidePanel.open({ windowId }).then(() => undefined);
    },
    'realtime.tokenRequest': () => auth.withToken((token) => client.realtimeTokenRequest(token)),
    'backend.health': () => client.health(),
    'page.settings': () => deps.pageSettings.load(),
  };
}
