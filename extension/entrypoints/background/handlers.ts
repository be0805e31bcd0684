import { z } from 'zod';
import type { ListSessionsResponse } from '../../../shared/index.ts';
import type { BackendClient } from '../../lib/backend-client.ts';
import { ExtensionError } from '../../lib/errors.ts';
import type { Handlers, MessageSender } from '../../lib/messages.ts';
import type { AuthManager } from '../../features/sign-in/auth-manager.ts';
import type { MeetCalls, OpenedFrom } from '../../features/meet-call/meet-calls.ts';
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
};

const sessionIdSchema = z.object({ sessionId: z.uuid() });
const openSchema = z.object({ sessionId: z.uuid(), url: z.url({ protocol: /^https?$/ }) });
const signInSchema = z.object({ interactive: z.boolean() });

/** Messages come from our own pages and content scripts, but a content script lives in a web page: check inputs. */
function parse<T>(schema: z.ZodType<T>, payload: unknown): T {
  const parsed = schema.safeParse(payload);
  if (!parsed.success) throw new ExtensionError('bad_request', 'Invalid request.');
  return parsed.data;
}

const openedFrom = (sender: MessageSender): OpenedFrom => (sender.tab ? { index: sender.tab.index, windowId: sender.tab.windowId } : {});

/** What the background answers to each message of the protocol. */
export function createHandlers(deps: HandlerDeps): Handlers {
  const { auth, client } = deps;
  return {
    'auth.get': () => auth.state(),
    'auth.signIn': async (payload) => auth.signIn(parse(signInSchema, payload)),
    'auth.signOut': () => auth.signOut(),
    'meet.canUse': () => auth.withToken((token) => client.canUseMeet(token)),
    'meet.start': async (payload, sender) => deps.meetCalls.start(parse(sessionIdSchema, payload).sessionId, openedFrom(sender)),
    'meet.open': async (payload, sender) => {
      const { url } = parse(openSchema, payload);
      await deps.meetCalls.open(url, openedFrom(sender));
      return undefined;
    },
    'meet.resendSms': async (payload) => deps.meetCalls.resendSms(parse(sessionIdSchema, payload).sessionId),
    'sessions.list': () => deps.listSessions(),
    'sessions.get': async (payload) => deps.sessionCache.get(parse(sessionIdSchema, payload).sessionId),
    // Not async, and `open` first: Chrome honours the click's user gesture only until the handler first waits.
    'panel.open': (_payload, sender) => {
      const windowId = sender.tab?.windowId;
      if (windowId === undefined)
        throw new ExtensionError('bad_request', 'Only a page in a browser tab can open the side panel.');
      return deps.sidePanel.open({ windowId }).then(() => undefined);
    },
    'realtime.tokenRequest': () => auth.withToken((token) => client.realtimeTokenRequest(token)),
    'backend.health': () => client.health(),
  };
}
