import * as Ably from 'ably';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { REALTIME_TOKEN_TTL_MS, createAblyPublisher, createAblyTokenMinter } from '../../backend/realtime/ably-publisher.ts';
import { ablyClientOptions } from '../../extension/features/session-list/ably-connection.ts';
import { REALTIME_EVENTS, realtimeEndpointOf, solverChannel } from '../../shared/index.ts';
import { eventually } from '../support/eventually.ts';
import { startAblyEmulator, type AblyEmulator } from './ably-emulator.ts';

// The real ably-js Realtime client (Node build, JSON protocol) with the options the extension uses, against the
// emulator's WebSocket side; tokens minted by the backend's own minter, messages published by its publisher.
const KEY = 'emu.test:secret';
const SOLVER = solverChannel('6f1d2c3b-4a59-4e68-8f7a-9b0c1d2e3f40');
let ably: AblyEmulator;
const clients: Ably.Realtime[] = [];

const minter = () => createAblyTokenMinter({ apiKey: KEY, restUrl: ably.url });
const publisher = () => createAblyPublisher({ apiKey: KEY, restUrl: ably.url });

type TokenSource = () => Promise<Ably.TokenRequest | Ably.TokenDetails | string>;

/** A Realtime client as the side panel makes it, authenticated by `tokens` (default: the backend's minter). */
function connect(tokens: TokenSource = () => minter().subscribeOnly(SOLVER, SOLVER), options: Ably.ClientOptions = {}) {
  const client = new Ably.Realtime({
    ...ablyClientOptions(realtimeEndpointOf(ably.realtimeUrl)),
    authCallback: (_params, callback) => {
      tokens().then(
        (token) => callback(null, token),
        (error: Error) => callback(error.message, null),
      );
    },
    disconnectedRetryTimeout: 300,
    ...options,
  });
  clients.push(client);
  return client;
}

const connected = (client: Ably.Realtime) => client.connection.whenState('connected');
const nextMessage = (channel: Ably.RealtimeChannel, event: string) =>
  new Promise<Ably.Message>((resolve) => void channel.subscribe(event, resolve));

beforeAll(async () => {
  ably = await startAblyEmulator({ key: KEY });
});
afterEach(() => {
  for (const client of clients.splice(0)) client.close();
  // Each test counts its own connections: end whatever is still open, then forget them.
  ably.realtime.drop('abrupt');
  ably.reset();
});
afterAll(() => ably.close());

describe('Ably realtime emulator with the real ably-js client', () => {
  it("connects with a token request from the backend's minter, exchanged at POST /keys/{keyName}/requestToken", async () => {
    const client = connect();
    await connected(client);
    expect(client.auth.clientId).toBe(SOLVER);

    const [exchange] = ably.requests('requestToken');
    expect(exchange?.path).toBe('/keys/emu.test/requestToken');
    expect(exchange?.body).toMatchObject({
      keyName: 'emu.test',
      clientId: SOLVER,
      capability: JSON.stringify({ [SOLVER]: ['subscribe'] }),
    });
    const [token] = ably.tokens();
    expect(token).toMatchObject({ keyName: 'emu.test', clientId: SOLVER, capability: JSON.stringify({ [SOLVER]: ['subscribe'] }) });
    expect(token!.expires - token!.issued).toBe(REALTIME_TOKEN_TTL_MS); // 10 minutes

    const [connection] = ably.realtime.connections();
    expect(connection).toMatchObject({
      connectionId: client.connection.id,
      clientId: SOLVER,
      auth: 'token',
      format: 'json',
      protocolVersion: '6',
      resumed: false,
      tokens: [token!.token],
    });
    expect(client.connection.key).toBe(connection?.connectionKey);
  });

  it('attaches to the granted channel and delivers what the backend publishes over REST (msgpack), decoded', async () => {
    const client = connect();
    const channel = client.channels.get(SOLVER);
    const received = nextMessage(channel, REALTIME_EVENTS.sessionUpdated);
    await channel.attach();
    expect(ably.realtime.attachments(SOLVER)).toMatchObject([{ connectionId: client.connection.id, outcome: 'attached' }]);
    expect(ably.realtime.connections()[0]?.channels).toEqual([SOLVER]);

    const data = { type: 'session_updated', sessionId: 's-1' };
    await publisher().publish(SOLVER, REALTIME_EVENTS.sessionUpdated, data);
    const message = await received;
    expect(message).toMatchObject({ name: REALTIME_EVENTS.sessionUpdated, data });
    expect(message.id).toBe(ably.messages(SOLVER)[0]?.id);
  });

  it('refuses to attach a channel outside the token capability (40160), and detaches on request', async () => {
    const client = connect();
    const other = client.channels.get(solverChannel('someone-else'));
    await expect(other.attach()).rejects.toMatchObject({ code: 40160, statusCode: 401 });
    expect(other.state).toBe('failed');
    expect(ably.realtime.attachments()).toMatchObject([
      { channel: solverChannel('someone-else'), outcome: 'refused', error: { code: 40160 } },
    ]);

    const own = client.channels.get(SOLVER);
    await own.attach();
    await own.detach();
    expect(own.state).toBe('detached');
    expect(ably.realtime.attachments(SOLVER).map((entry) => entry.outcome)).toEqual(['attached', 'detached']);
    expect(client.connection.state).toBe('connected');
  });

  it('re-authenticates on the same connection when asked (server AUTH) and when the client renews', async () => {
    let minted = 0;
    const client = connect(() => {
      minted += 1;
      return minter().subscribeOnly(SOLVER, SOLVER);
    });
    const channel = client.channels.get(SOLVER);
    await channel.attach();
    const id = client.connection.id;

    ably.realtime.requestAuth();
    await eventually(() => ably.realtime.connections()[0]?.tokens.length === 2, 'the AUTH with a new token');
    await client.auth.authorize();
    expect(ably.realtime.connections()).toHaveLength(1);
    expect(ably.realtime.connections()[0]?.tokens).toHaveLength(3);
    expect(minted).toBe(3);
    expect(client.connection.id).toBe(id);

    const received = nextMessage(channel, 'after');
    await publisher().publish(SOLVER, 'after', { ok: true });
    expect((await received).data).toEqual({ ok: true });
  });

  it('renews an expired token: DISCONNECTED 40142, a new token, the same connection resumed', async () => {
    const rest = new Ably.Rest({ key: KEY, endpoint: ably.host, port: ably.port, tls: false });
    const client = connect(() => rest.auth.createTokenRequest({ clientId: SOLVER, capability: { [SOLVER]: ['subscribe'] }, ttl: 600 }));
    await connected(client);
    const id = client.connection.id;
    await eventually(() => ably.realtime.connections().some((entry) => entry.closedBy === 'token_expired'), 'the token to expire');
    await eventually(() => ably.realtime.connections().length === 2 && client.connection.state === 'connected', 'the resume');
    expect(ably.realtime.connections()[1]).toMatchObject({ connectionId: id, resumed: true });
    expect(ably.tokens()).toHaveLength(2);
  });

  it('reconnects after the emulator drops every connection, resuming and re-attaching', async () => {
    const client = connect();
    const channel = client.channels.get(SOLVER);
    await channel.attach();
    const id = client.connection.id;
    const states: string[] = [];
    client.connection.on((change) => states.push(change.current));

    expect(ably.realtime.drop()).toBe(1);
    await eventually(() => states.includes('disconnected') && client.connection.state === 'connected', 'the reconnection');
    expect(ably.realtime.connections()).toMatchObject([
      { connectionId: id, closedBy: 'dropped' },
      { connectionId: id, resumed: true },
    ]);
    await eventually(() => ably.realtime.attachments(SOLVER).length === 2, 'the re-attach');

    const received = nextMessage(channel, 'after-drop');
    await publisher().publish(SOLVER, 'after-drop', { n: 1 });
    expect((await received).data).toEqual({ n: 1 });
  });

  it('keeps retrying while connections are refused, and connects once they are accepted again', async () => {
    const client = connect();
    await connected(client);
    ably.realtime.refuse();
    ably.realtime.drop('abrupt');
    await eventually(() => ably.realtime.refusedCount() >= 2, 'two refused attempts');
    expect(client.connection.state).not.toBe('connected');
    expect(client.connection.errorReason?.message).toBeTruthy();

    ably.realtime.accept();
    await connected(client);
    expect(ably.realtime.connections().at(-1)).toMatchObject({ resumed: true, connectionId: ably.realtime.connections()[0]?.connectionId });
  });

  it('answers HEARTBEAT with its id (connection.ping) and CLOSE with CLOSED', async () => {
    const client = connect();
    await connected(client);
    expect(await client.connection.ping()).toBeGreaterThanOrEqual(0);
    client.close();
    await client.connection.whenState('closed');
    await eventually(() => ably.realtime.connections()[0]?.closedBy === 'client', 'the close to be recorded');
  });

  it('ACKs a publish the key allows and NACKs one a subscribe-only token does not (40160)', async () => {
    const withKey = new Ably.Realtime({ ...ablyClientOptions(realtimeEndpointOf(ably.realtimeUrl)), key: KEY, clientId: 'admin' });
    clients.push(withKey);
    await withKey.channels.get('session:s-1').publish('system', { text: 'hello' });
    expect(ably.messages('session:s-1')).toMatchObject([{ name: 'system', data: { text: 'hello' }, clientId: 'admin' }]);
    expect(ably.realtime.connections()[0]).toMatchObject({ auth: 'basic', clientId: 'admin' });

    const subscriber = connect();
    await expect(subscriber.channels.get(SOLVER).publish('nope', {})).rejects.toMatchObject({ code: 40160 });
    expect(ably.messages(SOLVER)).toEqual([]);
  });

  it('refuses a tampered token request (40101) and the binary protocol, failing the connection', async () => {
    const tampered = connect(async () => ({ ...(await minter().subscribeOnly(SOLVER, SOLVER)), capability: '{"*":["*"]}' }));
    const change = await tampered.connection.once('disconnected');
    expect(change.reason).toMatchObject({ code: 80019, cause: { code: 40101 } });
    expect(ably.realtime.connections()).toEqual([]);

    const binary = connect(undefined, { useBinaryProtocol: true });
    const failed = await binary.connection.once('failed');
    expect(failed.reason?.message).toMatch(/JSON only/);
  });

  it('answers the token exchange cross-origin, as Ably does for browsers', async () => {
    const preflight = await fetch(`${ably.url}/keys/emu.test/requestToken`, {
      method: 'OPTIONS',
      headers: {
        origin: 'chrome-extension://abc',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type',
      },
    });
    expect(preflight.status).toBeLessThan(300);
    expect(preflight.headers.get('access-control-allow-origin')).toBe('*');
  });
});
