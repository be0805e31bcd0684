import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import type { SessionUpserted } from '../../shared/host-events.ts';
import { createEmulatorApp } from './emulator-app.ts';
import type { Faults } from './faults.ts';
import { inboxPage } from './inbox-page.ts';
import { listen, type Listening } from './listen.ts';
import type { RecordedRequest } from './recorder.ts';

export type SavvySolveHostRoute = 'events' | 'sessions.get' | 'redirected';
export const SAVVYSOLVE_HOST_ROUTES: readonly SavvySolveHostRoute[] = ['events', 'sessions.get', 'redirected'];

/**
 * How `GET {apiUrl}/sessions/:id` misbehaves, for the lazy pull's bounds: a 200 whose body is `bytes` long (streamed
 * as the client reads, chunked unless `declareLength`), or a 302 to `{url}/redirected/sessions/:id` (route
 * `redirected` records whoever follows it, and answers the session).
 */
export type SessionAnswerMode = { oversize: { bytes: number; declareLength?: boolean } } | { redirect: true };

/** A session as the host serves it on `GET {apiUrl}/sessions/:id` (the `session.upserted` data). */
export type HostSession = SessionUpserted;

/** One delivery our backend POSTed to `eventsUrl`, as received (retries are separate deliveries with the same `webhookId`). */
export type ReceivedEvent = {
  /** The `webhook-id` header ('' when missing). */
  webhookId: string;
  /** The `webhook-timestamp` header as sent: Unix seconds ('' when missing). */
  webhookTimestamp: string;
  /** The envelope's `type`, `timestamp` (ISO 8601) and `data`; '' / undefined when the body is not such an envelope. */
  type: string;
  timestamp: string;
  // Wire data of any shape; `any` lets tests reach into it (`event.data.sessionId`).
  data: any;
  /** Whether the Standard Webhooks signature verified with one of the secrets (timestamp within 5 minutes included). */
  signatureValid: boolean;
  /** The HTTP status the emulator answered (204, 401 or an injected fault's); undefined while the answer is pending. */
  status?: number;
  /** Epoch milliseconds. */
  receivedAt: number;
};

export type SavvySolveHostEmulatorOptions = {
  /** Standard Webhooks secret(s), `whsec_<base64>`; several comma-separated (rotation): a delivery is valid if any verifies. */
  secret: string;
  /** The bearer token `GET {apiUrl}/sessions/:id` requires. */
  apiToken: string;
  port?: number;
};

export type SendWebhookOptions = {
  /** Default `msg_<random>`. */
  webhookId?: string;
  /** Signature time and envelope `timestamp`; default now. */
  timestamp?: Date;
  /** Signing secret; default the first of the emulator's. */
  secret?: string;
  /** Raw body to send instead of the JSON envelope (for malformed-payload tests); signed as is. */
  body?: string;
};

export type SavvySolveHostEmulator = Listening & {
  /** `${url}/events`: our backend's SAVVYSOLVE_EVENTS_URL. */
  eventsUrl: string;
  /** `${url}/api`: our backend's SAVVYSOLVE_API_URL. */
  apiUrl: string;
  faults: Faults<SavvySolveHostRoute>;
  requests(route?: SavvySolveHostRoute): RecordedRequest<SavvySolveHostRoute>[];
  /** Every delivery to `eventsUrl` (retries and refused ones included), oldest first (copies). */
  events(): ReceivedEvent[];
  /** The first delivery of each `webhookId`, oldest first (copies). */
  uniqueEvents(): ReceivedEvent[];
  /** Stores a session for `GET {apiUrl}/sessions/:id` (ids match case-insensitively). */
  putSession(session: HostSession): void;
  removeSession(id: string): void;
  /** Makes every `sessions.get` misbehave this way until `undefined` (or reset). */
  answerSessionsWith(mode: SessionAnswerMode | undefined): void;
  /** Bytes of oversize answers the client actually read (what it pulled from the stream). */
  oversizeBytesSent(): number;
  /**
   * Signs and POSTs an event `{ type, timestamp, data }` to a backend's webhook URL, as the host would; resolves with
   * the answer's status and body (JSON parsed, else text, undefined when empty). Only loopback URLs; throws otherwise.
   */
  sendWebhook(
    targetUrl: string,
    type: string,
    data: unknown,
    options?: SendWebhookOptions,
  ): Promise<{ status: number; body: any; webhookId: string }>;
  /** Clears faults, records, received events and sessions. */
  reset(): void;
};

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

const parseJson = (text: string): any => {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
};

/**
 * The SavvySolve host app on 127.0.0.1: `POST /events` receives our backend's Standard Webhooks (verified, recorded),
 * `GET /api/sessions/:id` serves sessions (bearer token), `sendWebhook` sends the host's signed events to a backend,
 * `GET /__emulator/inbox` lists received events and `GET /__emulator/events` answers them as JSON.
 */
export async function startSavvySolveHostEmulator(options: SavvySolveHostEmulatorOptions): Promise<SavvySolveHostEmulator> {
  const secrets = options.secret
    .split(',')
    .map((secret) => secret.trim())
    .filter(Boolean);
  if (secrets.length === 0) throw new Error('At least one webhook secret is required');
  const verifiers = secrets.map((secret) => new Webhook(secret));
  let deliveries: ReceivedEvent[] = [];
  let sessions = new Map<string, HostSession>();
  let answerMode: SessionAnswerMode | undefined;
  let oversizeSent = 0;
  const pending = new WeakMap<Request, ReceivedEvent>();

  const kit = createEmulatorApp<SavvySolveHostRoute>({
    routes: SAVVYSOLVE_HOST_ROUTES,
    faultBody: (_route, status) => ({ error: `Emulated fault (HTTP ${status})` }),
    resetState() {
      deliveries = [];
      sessions = new Map();
      answerMode = undefined;
      oversizeSent = 0;
    },
  });

  const verifies = (payload: string, headers: Record<string, string>) =>
    verifiers.some((verifier) => {
      try {
        verifier.verify(payload, headers, { jsonParse: false });
        return true;
      } catch {
        return false;
      }
    });

  kit.app.post(
    '/events',
    async (c, next) => {
      const payload = await c.req.text();
      const headers = c.req.header();
      const envelope = parseJson(payload);
      const event: ReceivedEvent = {
        webhookId: headers['webhook-id'] ?? '',
        webhookTimestamp: headers['webhook-timestamp'] ?? '',
        type: typeof envelope?.type === 'string' ? envelope.type : '',
        timestamp: typeof envelope?.timestamp === 'string' ? envelope.timestamp : '',
        data: envelope?.data,
        signatureValid: verifies(payload, headers),
        receivedAt: Date.now(),
      };
      deliveries.push(event);
      pending.set(c.req.raw, event);
      await next();
      event.status = c.res.status;
    },
    // Records the request and answers an injected fault before the signature matters (a down host checks nothing).
    kit.route('events'),
    (c) => (pending.get(c.req.raw)?.signatureValid ? c.body(null, 204) : c.json({ error: 'invalid signature' }, 401)),
  );

  kit.app.get('/api/sessions/:id', kit.route('sessions.get'), (c) => {
    if (c.req.header('authorization') !== `Bearer ${options.apiToken}`) return c.json({ error: 'unauthorized' }, 401);
    if (answerMode && 'redirect' in answerMode) return c.redirect(`/redirected/sessions/${c.req.param('id')}`, 302);
    if (answerMode) return oversizeAnswer(answerMode.oversize);
    const session = sessions.get(c.req.param('id').toLowerCase());
    return session ? c.json(session) : c.json({ error: 'not found' }, 404);
  });
  kit.app.get('/redirected/sessions/:id', kit.route('redirected'), (c) => {
    const session = sessions.get(c.req.param('id').toLowerCase());
    return session ? c.json(session) : c.json({ error: 'not found' }, 404);
  });

  /** A JSON-looking body of `bytes`, produced only as fast as the client reads it (64 KiB chunks). */
  function oversizeAnswer({ bytes, declareLength }: { bytes: number; declareLength?: boolean }): Response {
    const chunk = new TextEncoder().encode(' '.repeat(64 * 1024));
    let left = bytes;
    const body = new ReadableStream<Uint8Array>(
      {
        pull(controller) {
          if (left <= 0) return controller.close();
          const next = left >= chunk.byteLength ? chunk : chunk.subarray(0, left);
          left -= next.byteLength;
          oversizeSent += next.byteLength;
          controller.enqueue(next);
        },
      },
      { highWaterMark: 0 },
    );
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (declareLength) headers['content-length'] = String(bytes);
    return new Response(body, { status: 200, headers });
  }

  const copies = (events: ReceivedEvent[]) => events.map((event) => ({ ...event }));
  const events = () => copies(deliveries);
  kit.app.get('/__emulator/events', (c) => c.json({ events: events() }));
  kit.app.get('/__emulator/inbox', (c) =>
    c.html(
      inboxPage(
        'Emulated SavvySolve host: events received',
        ['Received', 'Webhook id', 'Type', 'Signature', 'Answer', 'Data'],
        deliveries.map((event) => [
          new Date(event.receivedAt).toISOString(),
          event.webhookId,
          event.type,
          event.signatureValid ? 'valid' : 'INVALID',
          String(event.status ?? 'pending'),
          JSON.stringify(event.data) ?? '',
        ]),
      ),
    ),
  );

  const sendWebhook: SavvySolveHostEmulator['sendWebhook'] = async (targetUrl, type, data, sendOptions = {}) => {
    if (!LOOPBACK_HOSTS.has(new URL(targetUrl).hostname)) throw new Error(`Refused ${targetUrl}: the emulator only calls loopback URLs`);
    const webhookId = sendOptions.webhookId ?? `msg_${randomBytes(15).toString('base64url')}`;
    const timestamp = sendOptions.timestamp ?? new Date();
    const payload = sendOptions.body ?? JSON.stringify({ type, timestamp: timestamp.toISOString(), data });
    const signature = new Webhook(sendOptions.secret ?? secrets[0]!).sign(webhookId, timestamp, payload);
    const response = await fetch(targetUrl, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'webhook-id': webhookId,
        'webhook-timestamp': String(Math.floor(timestamp.getTime() / 1000)),
        'webhook-signature': signature,
      },
      body: payload,
      signal: AbortSignal.timeout(10_000),
    });
    const text = await response.text();
    return { status: response.status, body: text === '' ? undefined : (parseJson(text) ?? text), webhookId };
  };

  const server = await listen(kit.app.fetch, options.port);
  return {
    ...server,
    eventsUrl: `${server.url}/events`,
    apiUrl: `${server.url}/api`,
    faults: kit.faults,
    requests: kit.recorder.requests,
    events,
    uniqueEvents: () =>
      copies(deliveries.filter((event, index) => deliveries.findIndex((first) => first.webhookId === event.webhookId) === index)),
    putSession: (session) => void sessions.set(session.sessionId.toLowerCase(), { ...session }),
    removeSession: (id) => void sessions.delete(id.toLowerCase()),
    answerSessionsWith: (mode) => void (answerMode = mode),
    oversizeBytesSent: () => oversizeSent,
    sendWebhook,
    reset: kit.reset,
  };
}
