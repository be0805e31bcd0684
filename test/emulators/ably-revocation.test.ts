import * as Ably from 'ably';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createAblyTokenMinter, createAblyTokenRevoker, RevocationNotEnabledError } from '../../backend/realtime/ably-publisher.ts';
import { ablyClientOptions } from '../../extension/features/session-list/ably-connection.ts';
import { realtimeEndpointOf, solverChannel } from '../../shared/index.ts';
import { eventually } from '../support/eventually.ts';
import { startAblyEmulator, type AblyEmulator } from './ably-emulator.ts';

// Token revocation by clientId (POST /keys/{keyName}/revokeTokens) through the real ably-js REST and Realtime clients.
const KEY = 'emu.revoke:secret';
const SOLVER = solverChannel('0c6a3c0e-8f55-4d8e-9d0b-5b1d0a7e2f11');
let ably: AblyEmulator;
let fixed: AblyEmulator;
const clients: Ably.Realtime[] = [];

function connect(
  emulator: AblyEmulator,
  tokens = () => createAblyTokenMinter({ apiKey: KEY, restUrl: emulator.url }).subscribeOnly(SOLVER, SOLVER),
) {
  const client = new Ably.Realtime({
    ...ablyClientOptions(realtimeEndpointOf(emulator.realtimeUrl)),
    authCallback: (_params, callback) => {
      tokens().then(
        (token) => callback(null, token),
        (error: Error) => callback(error.message, null),
      );
    },
    disconnectedRetryTimeout: 200,
  });
  clients.push(client);
  return client;
}

beforeAll(async () => {
  ably = await startAblyEmulator({ key: KEY });
  fixed = await startAblyEmulator({ key: KEY, revocableTokens: false });
});
afterEach(() => {
  for (const client of clients.splice(0)) client.close();
  for (const emulator of [ably, fixed]) {
    emulator.realtime.drop('abrupt');
    emulator.reset();
  }
});
afterAll(async () => {
  await ably.close();
  await fixed.close();
});

describe('Ably token revocation in the emulator', () => {
  it('disconnects a connected client with 40141 and refuses its old token; a token issued after works', async () => {
    let refuseRenewal = false;
    const minter = createAblyTokenMinter({ apiKey: KEY, restUrl: ably.url });
    const client = connect(ably, async () => {
      if (refuseRenewal) throw new Error('renewal refused');
      return minter.subscribeOnly(SOLVER, SOLVER);
    });
    await client.connection.whenState('connected');
    await client.channels.get(SOLVER).attach();

    refuseRenewal = true;
    const disconnected = new Promise<Ably.ConnectionStateChange>((resolve) => client.connection.once('disconnected', resolve));
    await createAblyTokenRevoker({ apiKey: KEY, restUrl: ably.url }).revokeClient(SOLVER);
    const change = await disconnected;
    expect(change.reason?.code).toBe(40141);
    expect(ably.realtime.connections().find((connection) => connection.clientId === SOLVER)?.closedBy).toBe('token_revoked');
    expect(ably.requests('revokeTokens')[0]).toMatchObject({
      path: '/keys/emu.revoke/revokeTokens',
      body: { targets: [`clientId:${SOLVER}`] },
    });

    // A token issued after the revocation is not revoked (why the backend must refuse the renewal itself).
    refuseRenewal = false;
    await client.connection.whenState('connected');
  });

  it('refuses revocation with token auth (40162), and on a key without revocable tokens (40164)', async () => {
    const details = await new Ably.Rest({ key: KEY, endpoint: '127.0.0.1', port: ably.port, tls: false }).auth.requestToken({
      clientId: SOLVER,
    });
    const tokenClient = new Ably.Rest({ token: details.token, endpoint: '127.0.0.1', port: ably.port, tls: false });
    await expect(tokenClient.auth.revokeTokens([{ type: 'clientId', value: SOLVER }])).rejects.toMatchObject({ code: 40162 });
    const bearer = await fetch(`${ably.url}/keys/emu.revoke/revokeTokens`, {
      method: 'POST',
      headers: { authorization: `Bearer ${details.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ targets: [`clientId:${SOLVER}`] }),
    });
    expect((await bearer.json()).error.code).toBe(40162);

    await expect(createAblyTokenRevoker({ apiKey: KEY, restUrl: fixed.url }).revokeClient(SOLVER)).rejects.toThrow(
      RevocationNotEnabledError,
    );
  });

  it('refuses a token over 1 hour on a key with revocable tokens (40003), not on one without', async () => {
    const rest = (emulator: AblyEmulator) => new Ably.Rest({ key: KEY, endpoint: '127.0.0.1', port: emulator.port, tls: false });
    await expect(rest(ably).auth.requestToken({ clientId: SOLVER, ttl: 2 * 60 * 60 * 1000 })).rejects.toMatchObject({ code: 40003 });
    expect((await rest(fixed).auth.requestToken({ clientId: SOLVER, ttl: 2 * 60 * 60 * 1000 })).token).toBeTruthy();
  });

  it('with allowReauthMargin, asks the client to renew and lets a renewed connection stay', async () => {
    const client = connect(ably);
    await client.connection.whenState('connected');
    const firstToken = ably.tokens().length;
    await new Ably.Rest({ key: KEY, endpoint: '127.0.0.1', port: ably.port, tls: false }).auth.revokeTokens(
      [{ type: 'clientId', value: SOLVER }],
      { allowReauthMargin: true },
    );
    // The AUTH hint makes the client renew at once; its new token is not revoked, so nothing ends it.
    await eventually(() => ably.tokens().length !== firstToken, 'the renewal', 5_000);
    expect(ably.realtime.enforceRevocations()).toBe(0);
    expect(client.connection.state).toBe('connected');
  });
});
