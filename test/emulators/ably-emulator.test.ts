import * as Ably from 'ably';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startAblyEmulator, type AblyEmulator } from './ably-emulator.ts';
import { acceptMessages, IDEMPOTENCY_WINDOW_MS } from './ably-messages.ts';

const KEY = 'emu.test:secret';
let ably: AblyEmulator;

const rest = (options: Partial<Ably.ClientOptions> = {}) =>
  new Ably.Rest({ key: KEY, endpoint: ably.host, port: ably.port, tls: false, ...options });

beforeAll(async () => {
  ably = await startAblyEmulator({ key: KEY });
});
afterAll(() => ably.close());
afterEach(() => ably.reset());

describe('Ably REST publish', () => {
  it.each([
    ['msgpack (the Node default)', {}, 'application/x-msgpack'],
    ['JSON', { useBinaryProtocol: false }, 'application/json'],
  ])('decodes an object payload published in %s', async (_format, options, contentType) => {
    const data = { type: 'meet_link', sessionId: 's-1', nested: { ok: true, n: 3 } };
    await rest(options).channels.get('session:s-1').publish('system', data);
    expect(ably.messages('session:s-1')).toMatchObject([{ channel: 'session:s-1', name: 'system', data }]);
    expect(ably.messages('session:s-1')[0]?.encoding).toBeUndefined();
    const [request] = ably.requests('publish');
    expect(request?.headers['content-type']).toBe(contentType);
    expect(request?.path).toBe('/channels/session%3As-1/messages');
    // On the wire the SDK sends objects as JSON text with `encoding: "json"`, in both formats.
    expect(request?.body).toMatchObject([{ name: 'system', encoding: 'json', data: JSON.stringify(data) }]);
  });

  it('keeps strings and binary data, and stores every message of a batch with the idempotent id', async () => {
    await rest()
      .channels.get('batch')
      .publish([
        { name: 'text', data: 'plain text' },
        { name: 'bytes', data: Buffer.from([1, 2, 3]) },
      ]);
    const [text, bytes] = ably.messages('batch');
    expect(text).toMatchObject({ name: 'text', data: 'plain text' });
    expect(Buffer.isBuffer(bytes?.data) && [...(bytes.data as Buffer)]).toEqual([1, 2, 3]);
    expect(text?.id).toMatch(/:0$/);
    expect(bytes?.id).toBe(text?.id.replace(/:0$/, ':1'));
  });

  it('stores a message id only once, as idempotent publishing does', async () => {
    const channel = rest({ useBinaryProtocol: false }).channels.get('once');
    await channel.publish({ id: 'fixed-id:0', name: 'n', data: 'first' });
    await channel.publish({ id: 'fixed-id:0', name: 'n', data: 'again' });
    expect(ably.messages('once')).toMatchObject([{ id: 'fixed-id:0', data: 'first' }]);
    expect(ably.requests('publish')).toHaveLength(2);
  });

  it('treats a repeated id as a new message once Ably’s 2-minute idempotency window has passed', () => {
    const first = acceptMessages('late', [{ id: 'late-id:0', data: 'first' }], [], 'unused', 1_000);
    const within = acceptMessages('late', [{ id: 'late-id:0', data: 'again' }], first, 'unused', 1_000 + IDEMPOTENCY_WINDOW_MS - 1);
    const after = acceptMessages('late', [{ id: 'late-id:0', data: 'again' }], first, 'unused', 1_000 + IDEMPOTENCY_WINDOW_MS);
    expect([first.length, within.length, after.length]).toEqual([1, 0, 1]);
  });

  it("refuses a wrong key with Ably's 40101 error", async () => {
    const error = await rest({ key: 'emu.test:wrong' })
      .channels.get('x')
      .publish('n', 'd')
      .catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 40101, statusCode: 401 });
    expect(ably.messages()).toHaveLength(0);
  });

  it('answers /time in the client format', async () => {
    for (const useBinaryProtocol of [true, false]) {
      expect(Math.abs((await rest({ useBinaryProtocol }).time()) - Date.now())).toBeLessThan(5_000);
    }
  });

  it('lists received messages on the inbox page, escaped', async () => {
    await rest().channels.get('session:demo').publish('system', { text: '<b>Join</b> https://meet.google.com/abc-defg-hij' });
    const page = await (await fetch(`${ably.url}/__emulator/inbox`)).text();
    expect(page).toContain('Emulated Ably messages (1)');
    expect(page).toContain('session:demo');
    expect(page).toContain('&lt;b&gt;Join&lt;/b&gt;');
    expect(page).not.toContain('<b>Join</b>');
  });
});
