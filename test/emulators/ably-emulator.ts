import { inboxPage } from './inbox-page.ts';
import { randomBytes } from 'node:crypto';
import { encode as encodeMsgpack } from '@ably/msgpack-js';
import { cors } from 'hono/cors';
import { createEmulatorApp } from './emulator-app.ts';
import type { Faults } from './faults.ts';
import { listen, type Listening } from './listen.ts';
import type { RecordedRequest } from './recorder.ts';
import { acceptMessages, wireMessages, type AblyMessage } from './ably-messages.ts';
import { createAblyRealtime, type AblyRealtime } from './ably-realtime.ts';
import { createTokenIssuer, isAblyError, type TokenDetails } from './ably-tokens.ts';

export type AblyRoute = 'publish' | 'time' | 'requestToken' | 'revokeTokens';
export const ABLY_ROUTES: readonly AblyRoute[] = ['publish', 'time', 'requestToken', 'revokeTokens'];

export type AblyEmulatorOptions = {
  /** The API key clients authenticate with: `appId.keyId:secret`. */
  key: string;
  port?: number;
  /** The realtime `maxIdleInterval`: how often connections get a heartbeat (default 15 s, as Ably). */
  heartbeatIntervalMs?: number;
  /** The key's "revocable tokens" setting (default on): token TTL at most 1 hour, `revokeTokens` allowed. */
  revocableTokens?: boolean;
};

export type AblyEmulator = Listening & {
  host: string;
  /** The realtime endpoint on the same port, `ws://127.0.0.1:PORT` (ABLY_REALTIME_URL). */
  realtimeUrl: string;
  faults: Faults<AblyRoute>;
  requests(route?: AblyRoute): RecordedRequest<AblyRoute>[];
  /** Messages published (copies), oldest first; of one channel when given. */
  messages(channel?: string): AblyMessage[];
  /** Tokens issued for token requests (copies), oldest first. */
  tokens(): TokenDetails[];
  /** The realtime (WebSocket) side: connections and attachments recorded, drops and refusals to inject. */
  realtime: Omit<AblyRealtime, 'attach' | 'deliver' | 'close'>;
  reset(): void;
};

const MSGPACK = 'application/x-msgpack';

/** Ably's error body: `{ error: { message, code, statusCode, href } }`. */
const ablyErrorBody = (statusCode: number, code: number, message: string) => ({
  error: { message, code, statusCode, href: `https://help.ably.io/error/${code}` },
});

const ablyError = (statusCode: number, code: number, message: string) =>
  Response.json(ablyErrorBody(statusCode, code, message), { status: statusCode });

/** Answers in the format the client asked for with `accept`: msgpack (the Node SDK's default) or JSON. */
function reply(accept: string | undefined, value: unknown, status = 200): Response {
  if (accept?.includes(MSGPACK)) {
    return new Response(new Uint8Array(encodeMsgpack(value)), { status, headers: { 'content-type': MSGPACK } });
  }
  return Response.json(value, { status });
}

/**
 * Ably on 127.0.0.1: REST publish (`POST /channels/:channel/messages`, msgpack or JSON), `GET /time`, the token
 * exchange (`POST /keys/:keyName/requestToken`), token revocation by clientId (`POST /keys/:keyName/revokeTokens`,
 * which ends the revoked tokens' connections), and on the same port the realtime WebSocket protocol (JSON), which
 * delivers every published message to the connections attached to its channel.
 */
export async function startAblyEmulator(options: AblyEmulatorOptions): Promise<AblyEmulator> {
  const expectedAuth = `Basic ${Buffer.from(options.key).toString('base64')}`;
  // One array for the emulator's life: the realtime side stores client publishes in it too.
  const messages: AblyMessage[] = [];
  let serial = 0;
  const tokens = createTokenIssuer(options.key, { revocableTokens: options.revocableTokens });
  const pendingRevocations = new Set<NodeJS.Timeout>();
  const realtime = createAblyRealtime({ tokens, store: messages, heartbeatIntervalMs: options.heartbeatIntervalMs });

  const kit = createEmulatorApp<AblyRoute>({
    routes: ABLY_ROUTES,
    faultBody: (_route, status) =>
      ablyErrorBody(status, status === 429 ? 42910 : status >= 500 ? 50000 : status * 100, `Emulated fault (HTTP ${status})`),
    resetState: () => {
      messages.length = 0;
      tokens.clearRecords();
      realtime.clearRecords();
    },
  });
  // Ably answers browsers cross-origin (the side panel exchanges its token request from chrome-extension://).
  kit.app.use('/keys/*', cors());
  kit.app.use('/channels/*', cors());
  kit.app.use('/time', cors());

  kit.app.get('/__emulator/inbox', (c) =>
    c.html(
      inboxPage(
        'Emulated Ably messages',
        ['Received', 'Channel', 'Name', 'Data'],
        messages.map((message) => [
          new Date(message.receivedAt).toISOString(),
          message.channel,
          message.name ?? '',
          JSON.stringify(message.data),
        ]),
      ),
    ),
  );
  kit.app.get('/time', kit.route('time'), (c) => reply(c.req.header('accept'), [Date.now()]));

  // A signed token request (ably-js `createTokenRequest`, handed to the client by an authCallback) → TokenDetails.
  kit.app.post('/keys/:keyName/requestToken', kit.route('requestToken'), (c) => {
    const details = tokens.exchange(c.req.param('keyName'), c.get('body'));
    if (isAblyError(details)) return ablyError(details.statusCode, details.code, details.message);
    return reply(c.req.header('accept'), details);
  });

  // Token revocation (basic auth only: a token-authenticated caller gets 40162), then the connections it ends.
  kit.app.post('/keys/:keyName/revokeTokens', kit.route('revokeTokens'), (c) => {
    const authorization = c.req.header('authorization') ?? '';
    if (authorization.startsWith('Bearer ')) return ablyError(401, 40162, 'Cannot revoke tokens when using token auth');
    if (authorization !== expectedAuth) return ablyError(401, 40101, 'Invalid credentials');
    const result = tokens.revoke(c.req.param('keyName'), c.get('body'));
    if (isAblyError(result)) return ablyError(result.statusCode, result.code, result.message);
    const revoked = result.results.flatMap((entry) => ('appliesAt' in entry ? [entry] : []));
    const later = revoked.filter((entry) => entry.appliesAt > Date.now());
    if (later.length > 0) {
      // allowReauthMargin: a hint to renew now, enforcement 30 s later.
      realtime.requestAuth(later.map((entry) => entry.target.slice('clientId:'.length)));
      const timer = setTimeout(
        () => {
          pendingRevocations.delete(timer);
          realtime.enforceRevocations();
        },
        Math.max(...later.map((entry) => entry.appliesAt)) - Date.now(),
      );
      pendingRevocations.add(timer);
    }
    realtime.enforceRevocations();
    return reply(c.req.header('accept'), result, 201);
  });

  // For other processes: `POST /__emulator/realtime/drop {mode?}`, `POST /__emulator/realtime/refuse {ms?}`,
  // `POST /__emulator/realtime/accept`, `GET /__emulator/realtime/connections`.
  kit.app.post('/__emulator/realtime/drop', async (c) => {
    const { mode } = (await c.req.json().catch(() => ({}))) as { mode?: 'disconnected' | 'abrupt' };
    return c.json({ dropped: realtime.drop(mode) });
  });
  kit.app.post('/__emulator/realtime/refuse', async (c) => {
    const { ms } = (await c.req.json().catch(() => ({}))) as { ms?: number };
    realtime.refuse(ms);
    return c.body(null, 204);
  });
  kit.app.post('/__emulator/realtime/accept', (c) => {
    realtime.accept();
    return c.body(null, 204);
  });
  kit.app.get('/__emulator/realtime/connections', (c) =>
    c.json({ connections: realtime.connections(), attachments: realtime.attachments() }),
  );

  kit.app.post('/channels/:channel/messages', kit.route('publish'), (c) => {
    if (c.req.header('authorization') !== expectedAuth) return ablyError(401, 40101, 'Invalid credentials');
    const type = c.req.header('content-type')?.split(';')[0]?.trim();
    if (type !== MSGPACK && type !== 'application/json') return ablyError(400, 40000, `Unsupported content type: ${type ?? 'none'}`);
    const wire = wireMessages(c.get('body'));
    if (!wire) return ablyError(400, 40000, 'Invalid message body: expected a message or an array of messages');
    const channel = c.req.param('channel');
    const firstId = typeof wire[0]?.id === 'string' ? wire[0].id : undefined;
    const idBase = firstId?.replace(/:\d+$/, '') ?? randomBytes(9).toString('base64url');
    const accepted = acceptMessages(channel, wire, messages, idBase);
    messages.push(...accepted);
    realtime.deliver(channel, accepted);
    const serials = wire.map(
      (_message, index) => `${String(Date.now()).padStart(14, '0')}-${String(serial++).padStart(3, '0')}@emulator:${index}`,
    );
    return reply(c.req.header('accept'), { channel, messageId: idBase, serials }, 201);
  });

  const server = await listen(kit.app.fetch, options.port, (node) => realtime.attach(node));
  return {
    ...server,
    host: '127.0.0.1',
    realtimeUrl: `ws://127.0.0.1:${server.port}`,
    faults: kit.faults,
    requests: kit.recorder.requests,
    messages: (channel) =>
      messages.filter((message) => channel === undefined || message.channel === channel).map((message) => ({ ...message })),
    tokens: tokens.issued,
    realtime: {
      connections: realtime.connections,
      attachments: realtime.attachments,
      drop: realtime.drop,
      refuse: realtime.refuse,
      accept: realtime.accept,
      refusedCount: realtime.refusedCount,
      requestAuth: realtime.requestAuth,
      enforceRevocations: realtime.enforceRevocations,
      clearRecords: realtime.clearRecords,
    },
    reset: kit.reset,
    async close() {
      // Upgraded sockets are no longer the HTTP server's: end them first, or close() waits for them.
      for (const timer of pendingRevocations) clearTimeout(timer);
      realtime.close();
      await server.close();
    },
  };
}
