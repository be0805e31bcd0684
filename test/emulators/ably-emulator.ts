import { inboxPage } from './inbox-page.ts';
import { randomBytes } from 'node:crypto';
import { encode as encodeMsgpack } from '@ably/msgpack-js';
import { createEmulatorApp } from './emulator-app.ts';
import type { Faults } from './faults.ts';
import { listen, type Listening } from './listen.ts';
import type { RecordedRequest } from './recorder.ts';
import { acceptMessages, wireMessages, type AblyMessage } from './ably-messages.ts';

export type AblyRoute = 'publish' | 'time';
export const ABLY_ROUTES: readonly AblyRoute[] = ['publish', 'time'];

export type AblyEmulatorOptions = {
  /** The API key clients authenticate with: `appId.keyId:secret`. */
  key: string;
  port?: number;
};

export type AblyEmulator = Listening & {
  host: string;
  faults: Faults<AblyRoute>;
  requests(route?: AblyRoute): RecordedRequest<AblyRoute>[];
  /** Messages published (copies), oldest first; of one channel when given. */
  messages(channel?: string): AblyMessage[];
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

/** Ably's REST publish (`POST /channels/:channel/messages`, msgpack or JSON) and `GET /time`, on 127.0.0.1. */
export async function startAblyEmulator(options: AblyEmulatorOptions): Promise<AblyEmulator> {
  const expectedAuth = `Basic ${Buffer.from(options.key).toString('base64')}`;
  let messages: AblyMessage[] = [];
  let serial = 0;

  const kit = createEmulatorApp<AblyRoute>({
    routes: ABLY_ROUTES,
    faultBody: (_route, status) =>
      ablyErrorBody(status, status === 429 ? 42910 : status >= 500 ? 50000 : status * 100, `Emulated fault (HTTP ${status})`),
    resetState: () => void (messages = []),
  });

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
    const serials = wire.map(
      (_message, index) => `${String(Date.now()).padStart(14, '0')}-${String(serial++).padStart(3, '0')}@emulator:${index}`,
    );
    return reply(c.req.header('accept'), { channel, messageId: idBase, serials }, 201);
  });

  const server = await listen(kit.app.fetch, options.port);
  return {
    ...server,
    host: '127.0.0.1',
    faults: kit.faults,
    requests: kit.recorder.requests,
    messages: (channel) =>
      messages.filter((message) => channel === undefined || message.channel === channel).map((message) => ({ ...message })),
    reset: kit.reset,
  };
}
