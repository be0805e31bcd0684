import { randomBytes } from 'node:crypto';
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { encode as encodeMsgpack } from '@ably/msgpack-js';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { acceptMessages, wireMessages, type AblyMessage } from './ably-messages.ts';
import { ACTIONS, CONNECTION_STATE_TTL_MS, errorFrame, FLAGS, modeFlags, toWire } from './ably-protocol.ts';
import { allows, isAblyError, type AblyErrorInfo, type Credentials, type TokenIssuer } from './ably-tokens.ts';

/** One WebSocket transport as the emulator saw it; a resume opens a new one with the same `connectionId`. */
export type RealtimeConnection = {
  connectionId: string;
  connectionKey: string;
  clientId?: string;
  /** `token` (access_token=) or `basic` (key=). */
  auth: 'token' | 'basic';
  format: string;
  protocolVersion?: string;
  heartbeats: boolean;
  resumed: boolean;
  openedAt: number;
  closedAt?: number;
  /**
   * `client` (CLOSE or the socket went), `dropped` (test control), `token_expired`, `token_revoked` (revokeTokens),
   * `emulator` (shut down).
   */
  closedBy?: 'client' | 'dropped' | 'token_expired' | 'token_revoked' | 'emulator';
  /** Channels attached now (or when it closed). */
  channels: string[];
  /** Tokens this connection authenticated with, in order: the connect token, then each AUTH. */
  tokens: string[];
};

export type RealtimeAttachment = {
  connectionId: string;
  channel: string;
  at: number;
  outcome: 'attached' | 'refused' | 'detached';
  error?: AblyErrorInfo;
};

export type AblyRealtime = {
  /** Serves the realtime protocol on `server`'s upgrade requests (any path, as Ably's endpoint does). */
  attach(server: Server): void;
  /** Delivers messages published over REST to every connection attached to `channel` with the subscribe capability. */
  deliver(channel: string, messages: AblyMessage[]): void;
  connections(): RealtimeConnection[];
  attachments(channel?: string): RealtimeAttachment[];
  /** Ends every open connection: `disconnected` sends DISCONNECTED (6) first, `abrupt` just cuts the socket. */
  drop(mode?: 'disconnected' | 'abrupt'): number;
  /** Answers new connection attempts with HTTP 503 for `ms` (until `accept()`, when omitted). */
  refuse(ms?: number): void;
  accept(): void;
  /** Connection attempts refused by `refuse`. */
  refusedCount(): number;
  /** Asks every open connection to re-authenticate (server AUTH, 17); only those of `clientIds` when given. */
  requestAuth(clientIds?: string[]): void;
  /** Ends, as Ably does (DISCONNECTED 40141), every open connection whose token is revoked by now. */
  enforceRevocations(): number;
  /** Clears the records (open connections stay). */
  clearRecords(): void;
  close(): void;
};

export type AblyRealtimeOptions = {
  tokens: TokenIssuer;
  /** Where client publishes over realtime are stored (the REST emulator's message list). */
  store: AblyMessage[];
  /** `maxIdleInterval` promised to clients; a heartbeat is sent this often. */
  heartbeatIntervalMs?: number;
};

/** What one socket keeps while it is open. */
type Live = {
  socket: WebSocket;
  record: RealtimeConnection;
  credentials: Credentials;
  echo: boolean;
  heartbeat?: NodeJS.Timeout;
  expiry?: NodeJS.Timeout;
};

/** Ably's realtime WebSocket protocol, JSON format only: enough for ably-js's Realtime client to connect, attach and receive. */
export function createAblyRealtime(options: AblyRealtimeOptions): AblyRealtime {
  const heartbeatIntervalMs = options.heartbeatIntervalMs ?? 15_000;
  const wss = new WebSocketServer({ noServer: true });
  const live = new Set<Live>();
  let records: RealtimeConnection[] = [];
  let attachments: RealtimeAttachment[] = [];
  let refusingUntil = 0;
  let refused = 0;
  const channelSerials = new Map<string, number>();

  const send = (connection: Live, frame: Record<string, unknown>) => {
    if (connection.socket.readyState === connection.socket.OPEN) connection.socket.send(JSON.stringify(frame));
  };
  const finish = (connection: Live, closedBy: NonNullable<RealtimeConnection['closedBy']>) => {
    if (!live.delete(connection)) return;
    clearInterval(connection.heartbeat);
    clearTimeout(connection.expiry);
    connection.record.closedAt = Date.now();
    connection.record.closedBy = closedBy;
  };
  const end = (connection: Live, closedBy: NonNullable<RealtimeConnection['closedBy']>, frame?: Record<string, unknown>) => {
    if (frame) send(connection, frame);
    finish(connection, closedBy);
    connection.socket.close(1000);
  };
  const nextChannelSerial = (channel: string) => {
    const next = (channelSerials.get(channel) ?? 0) + 1;
    channelSerials.set(channel, next);
    return `emulator:${next}`;
  };
  const connectedFrame = (connection: Live, error?: AblyErrorInfo) => ({
    action: ACTIONS.CONNECTED,
    connectionId: connection.record.connectionId,
    connectionDetails: {
      clientId: connection.credentials.clientId,
      connectionKey: connection.record.connectionKey,
      maxMessageSize: 65536,
      maxFrameSize: 524288,
      maxInboundRate: 50,
      maxOutboundRate: 50,
      connectionStateTtl: CONNECTION_STATE_TTL_MS,
      maxIdleInterval: heartbeatIntervalMs,
      serverId: 'savvysolve-ably-emulator',
    },
    ...(error ? { error: errorFrame(error) } : {}),
  });

  /** Token expiry ends the connection as Ably does (DISCONNECTED 40142): the client renews its token and resumes. */
  const watchExpiry = (connection: Live) => {
    clearTimeout(connection.expiry);
    const token = connection.credentials.token;
    if (!token) return;
    connection.expiry = setTimeout(
      () =>
        end(connection, 'token_expired', {
          action: ACTIONS.DISCONNECTED,
          error: errorFrame({ statusCode: 401, code: 40142, message: 'Key/token expired' }),
        }),
      Math.max(0, token.expires - Date.now()),
    );
  };

  function onUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer) {
    if (Date.now() < refusingUntil) {
      refused += 1;
      socket.end('HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    wss.handleUpgrade(request, socket, head, (ws) => open(ws, new URL(request.url ?? '/', 'http://emulator').searchParams));
  }

  function open(socket: WebSocket, params: URLSearchParams) {
    const format = params.get('format') ?? 'msgpack';
    // The refusal itself in the client's format, so that it can read why.
    const reject = (error: AblyErrorInfo) => {
      const frame = { action: ACTIONS.ERROR, error: errorFrame(error) };
      socket.send(format === 'json' ? JSON.stringify(frame) : encodeMsgpack(frame));
      socket.close(1000);
    };
    if (format !== 'json')
      return reject({ statusCode: 400, code: 40000, message: 'This emulator speaks JSON only: useBinaryProtocol: false' });
    const credentials = options.tokens.authenticate({
      accessToken: params.get('access_token') ?? undefined,
      key: params.get('key') ?? undefined,
      clientId: params.get('clientId') ?? undefined,
    });
    if (isAblyError(credentials)) return reject(credentials);

    // A resume within the connection's state TTL keeps its id and key (and ends the old transport if it is still
    // open); otherwise it is a new connection, with Ably's 80008.
    const resumeKey = params.get('resume');
    const previous = resumeKey ? records.findLast((record) => record.connectionKey === resumeKey) : undefined;
    const resumable = previous !== undefined && Date.now() - (previous.closedAt ?? Date.now()) < CONNECTION_STATE_TTL_MS;
    if (resumable) for (const other of live) if (other.record === previous) end(other, 'client');
    const connectionId = resumable ? previous.connectionId : randomBytes(8).toString('base64url');
    const record: RealtimeConnection = {
      connectionId,
      connectionKey: resumable ? previous.connectionKey : `${randomBytes(6).toString('base64url')}!${connectionId}`,
      ...(credentials.clientId ? { clientId: credentials.clientId } : {}),
      auth: credentials.token ? 'token' : 'basic',
      format,
      ...(params.get('v') ? { protocolVersion: params.get('v')! } : {}),
      heartbeats: params.get('heartbeats') === 'true',
      resumed: resumable,
      openedAt: Date.now(),
      channels: resumable ? [...previous.channels] : [],
      tokens: credentials.token ? [credentials.token.token] : [],
    };
    records.push(record);
    const connection: Live = { socket, record, credentials, echo: params.get('echo') !== 'false' };
    live.add(connection);
    socket.on('message', (data) => onFrame(connection, data));
    socket.on('close', () => finish(connection, 'client'));
    socket.on('error', () => finish(connection, 'client'));
    // Within maxIdleInterval, or the client assumes the connection dropped: HEARTBEAT frames when it asked for them
    // (browsers, `heartbeats=true`), WebSocket pings otherwise (Node).
    connection.heartbeat = setInterval(() => {
      if (record.heartbeats) send(connection, { action: ACTIONS.HEARTBEAT });
      else socket.ping();
    }, heartbeatIntervalMs);
    watchExpiry(connection);
    const lost = resumeKey && !resumable ? { statusCode: 400, code: 80008, message: 'Unable to resume: connection expired' } : undefined;
    send(connection, connectedFrame(connection, lost));
  }

  function onFrame(connection: Live, data: RawData) {
    let frame: Record<string, any>;
    try {
      frame = JSON.parse(data.toString()) as Record<string, any>;
    } catch {
      return end(connection, 'client', {
        action: ACTIONS.ERROR,
        error: errorFrame({ statusCode: 400, code: 40000, message: 'Malformed frame' }),
      });
    }
    const channel = typeof frame.channel === 'string' ? frame.channel : undefined;
    switch (frame.action) {
      case ACTIONS.HEARTBEAT:
        return send(connection, { action: ACTIONS.HEARTBEAT, ...(frame.id ? { id: frame.id } : {}) });
      case ACTIONS.ATTACH:
        return channel && attachChannel(connection, channel);
      case ACTIONS.DETACH:
        if (!channel) return;
        connection.record.channels = connection.record.channels.filter((name) => name !== channel);
        attachments.push({ connectionId: connection.record.connectionId, channel, at: Date.now(), outcome: 'detached' });
        return send(connection, { action: ACTIONS.DETACHED, channel });
      case ACTIONS.MESSAGE:
      case ACTIONS.PRESENCE:
        return publishFromClient(connection, frame);
      case ACTIONS.AUTH:
        return reauthenticate(connection, frame.auth?.accessToken);
      case ACTIONS.CLOSE:
        return end(connection, 'client', { action: ACTIONS.CLOSED });
      case ACTIONS.DISCONNECT:
        return end(connection, 'client');
      default:
        return undefined;
    }
  }

  function attachChannel(connection: Live, channel: string) {
    const { capability } = connection.credentials;
    const at = Date.now();
    const { connectionId } = connection.record;
    if (!['subscribe', 'publish', 'presence', 'history'].some((operation) => allows(capability, channel, operation))) {
      const error = { statusCode: 401, code: 40160, message: `Channel denied access based on given capability; channel = ${channel}` };
      attachments.push({ connectionId, channel, at, outcome: 'refused', error });
      return send(connection, { action: ACTIONS.ERROR, channel, error: errorFrame(error) });
    }
    const already = connection.record.channels.includes(channel);
    if (!already) connection.record.channels.push(channel);
    attachments.push({ connectionId, channel, at, outcome: 'attached' });
    send(connection, {
      action: ACTIONS.ATTACHED,
      channel,
      channelSerial: `emulator:${channelSerials.get(channel) ?? 0}`,
      flags: modeFlags(capability, channel) | (already ? FLAGS.RESUMED : 0),
    });
  }

  function publishFromClient(connection: Live, frame: Record<string, any>) {
    const channel = String(frame.channel ?? '');
    const msgSerial = frame.msgSerial;
    const operation = frame.action === ACTIONS.PRESENCE ? 'presence' : 'publish';
    if (frame.action === ACTIONS.PRESENCE || !allows(connection.credentials.capability, channel, operation)) {
      const error =
        frame.action === ACTIONS.PRESENCE
          ? { statusCode: 501, code: 40000, message: 'Presence is not emulated' }
          : { statusCode: 401, code: 40160, message: `Unable to perform channel operation: ${operation} (permission denied)` };
      return send(connection, { action: ACTIONS.NACK, msgSerial, count: 1, error: errorFrame(error) });
    }
    const wire = wireMessages(frame.messages ?? []) ?? [];
    const base = `${connection.record.connectionId}:${String(msgSerial)}`;
    const accepted = acceptMessages(
      channel,
      wire.map((message) => ({ clientId: connection.credentials.clientId, ...message })),
      options.store,
      base,
    );
    options.store.push(...accepted);
    send(connection, { action: ACTIONS.ACK, msgSerial, count: 1 });
    deliverTo(channel, accepted, connection.echo ? undefined : connection);
  }

  function reauthenticate(connection: Live, accessToken: unknown) {
    const credentials = options.tokens.authenticate({ accessToken: typeof accessToken === 'string' ? accessToken : undefined });
    if (isAblyError(credentials)) return end(connection, 'client', { action: ACTIONS.ERROR, error: errorFrame(credentials) });
    if (connection.credentials.clientId && credentials.clientId !== connection.credentials.clientId) {
      const error = { statusCode: 401, code: 40102, message: 'Incompatible clientId in the new token' };
      return end(connection, 'client', { action: ACTIONS.ERROR, error: errorFrame(error) });
    }
    connection.credentials = credentials;
    connection.record.tokens.push(credentials.token!.token);
    watchExpiry(connection);
    // Channels the new token no longer allows are detached, with the reason.
    for (const channel of connection.record.channels) {
      if (modeFlags(credentials.capability, channel) !== 0) continue;
      connection.record.channels = connection.record.channels.filter((name) => name !== channel);
      const error = { statusCode: 401, code: 40160, message: `Channel denied access based on given capability; channel = ${channel}` };
      attachments.push({ connectionId: connection.record.connectionId, channel, at: Date.now(), outcome: 'detached', error });
      send(connection, { action: ACTIONS.DETACHED, channel, error: errorFrame(error) });
    }
    send(connection, connectedFrame(connection));
  }

  function deliverTo(channel: string, messages: AblyMessage[], except?: Live) {
    if (messages.length === 0) return;
    const channelSerial = nextChannelSerial(channel);
    const frame = {
      action: ACTIONS.MESSAGE,
      channel,
      channelSerial,
      id: messages[0]!.id.replace(/:\d+$/, ''),
      timestamp: messages[0]!.receivedAt,
      messages: messages.map(toWire),
    };
    for (const connection of live) {
      if (connection === except || !connection.record.channels.includes(channel)) continue;
      if (allows(connection.credentials.capability, channel, 'subscribe')) send(connection, frame);
    }
  }

  return {
    attach(server) {
      server.on('upgrade', onUpgrade);
    },
    deliver: (channel, messages) => deliverTo(channel, messages),
    connections: () => records.map((record) => ({ ...record, channels: [...record.channels], tokens: [...record.tokens] })),
    attachments: (channel) =>
      attachments.filter((entry) => channel === undefined || entry.channel === channel).map((entry) => ({ ...entry })),
    drop(mode = 'disconnected') {
      const open = [...live];
      for (const connection of open) {
        if (mode === 'abrupt') {
          finish(connection, 'dropped');
          connection.socket.terminate();
        } else {
          const error = errorFrame({ statusCode: 503, code: 80003, message: 'Connection dropped by the emulator' });
          end(connection, 'dropped', { action: ACTIONS.DISCONNECTED, error });
        }
      }
      return open.length;
    },
    refuse(ms) {
      refusingUntil = ms === undefined ? Number.POSITIVE_INFINITY : Date.now() + ms;
    },
    accept() {
      refusingUntil = 0;
    },
    refusedCount: () => refused,
    requestAuth(clientIds) {
      for (const connection of live)
        if (!clientIds || (connection.credentials.clientId && clientIds.includes(connection.credentials.clientId)))
          send(connection, { action: ACTIONS.AUTH });
    },
    enforceRevocations() {
      const revoked = [...live].filter(
        (connection) => connection.credentials.token && options.tokens.isRevoked(connection.credentials.token),
      );
      for (const connection of revoked)
        end(connection, 'token_revoked', {
          action: ACTIONS.DISCONNECTED,
          error: errorFrame({ statusCode: 401, code: 40141, message: 'Token revoked' }),
        });
      return revoked.length;
    },
    clearRecords() {
      records = records.filter((record) => record.closedAt === undefined);
      attachments = [];
      refused = 0;
      refusingUntil = 0;
    },
    close() {
      for (const connection of [...live]) {
        finish(connection, 'emulator');
        connection.socket.terminate();
      }
      wss.close();
    },
  };
}
