import { Hono } from 'hono';
import twilio from 'twilio';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { listen, type Listening } from './listen.ts';
import { startTwilioEmulator, type TwilioEmulator } from './twilio-emulator.ts';

const SID = 'AC' + 'ab'.repeat(16);
const TOKEN = 'cd'.repeat(16);
const FROM = '+15005550006';
const TO = '+14155550123';

let emulator: TwilioEmulator;
let receiver: Listening & { received: { url: string; signature: string; params: Record<string, string> }[] };

const client = (token = TOKEN) => {
  const sdk = twilio(SID, token);
  sdk.api.baseUrl = emulator.url;
  return sdk;
};

/** A webhook receiver standing in for the backend's status-callback route. */
async function startReceiver() {
  const received: { url: string; signature: string; params: Record<string, string> }[] = [];
  const app = new Hono().post('/twilio/status', async (c) => {
    received.push({
      url: c.req.url,
      signature: c.req.header('x-twilio-signature') ?? '',
      params: (await c.req.parseBody()) as Record<string, string>,
    });
    return c.body(null, 204);
  });
  return { ...(await listen(app.fetch)), received };
}

beforeAll(async () => {
  [emulator, receiver] = await Promise.all([startTwilioEmulator({ accountSid: SID, authToken: TOKEN }), startReceiver()]);
});
afterAll(() => Promise.all([emulator.close(), receiver.close()]));
afterEach(() => {
  emulator.reset();
  receiver.received.length = 0;
});

describe('Messages create', () => {
  it('accepts a message from the real SDK and answers the Message resource', async () => {
    const message = await client().messages.create({ to: TO, from: FROM, body: 'Join here: https://meet.google.com/abc-defg-hij' });
    expect(message).toMatchObject({
      accountSid: SID,
      to: TO,
      from: FROM,
      status: 'queued',
      direction: 'outbound-api',
      numSegments: '1',
      apiVersion: '2010-04-01',
    });
    expect(message.sid).toMatch(/^SM[0-9a-f]{32}$/);
    expect(message.dateCreated.getTime()).toBeGreaterThan(Date.now() - 5_000);
    expect(message.errorCode).toBeNull();
    expect(emulator.messages()).toMatchObject([{ sid: message.sid, to: TO, from: FROM, body: message.body }]);
    expect(emulator.requests('messages.create')[0]?.body).toEqual({ To: TO, From: FROM, Body: message.body });
  });

  it('starts a Messaging Service message as accepted, without a From', async () => {
    const message = await client().messages.create({ to: TO, messagingServiceSid: 'MG' + '0'.repeat(32), body: 'hi' });
    expect(message).toMatchObject({ status: 'accepted', from: null, messagingServiceSid: 'MG' + '0'.repeat(32) });
  });

  it.each([
    ['a non-E.164 To', { to: '415-555-0123', from: FROM, body: 'x' }, 21211],
    ['an invalid number', { to: '+15005550001', from: FROM, body: 'x' }, 21211],
    ['an unsubscribed recipient', { to: '+15005550004', from: FROM, body: 'x' }, 21610],
    ['a landline', { to: '+15005550009', from: FROM, body: 'x' }, 21614],
    ['an empty body', { to: TO, from: FROM, body: '' }, 21602],
    ['no From nor Messaging Service', { to: TO, body: 'x' }, 21603],
  ])('refuses %s with a RestException carrying code %i', async (_case, params, code) => {
    const error = await client()
      .messages.create(params)
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(twilio.RestException);
    expect(error).toMatchObject({ status: 400, code, moreInfo: `https://www.twilio.com/docs/errors/${code}` });
    expect(emulator.messages()).toHaveLength(0);
  });

  it('refuses wrong credentials with 20003 and a missing To with 21604', async () => {
    await expect(client('wrong-token').messages.create({ to: TO, from: FROM, body: 'x' })).rejects.toMatchObject({
      status: 401,
      code: 20003,
    });
    const response = await fetch(`${emulator.url}/2010-04-01/Accounts/${SID}/Messages.json`, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from(`${SID}:${TOKEN}`).toString('base64')}` },
      body: new URLSearchParams({ From: FROM, Body: 'x' }),
    });
    expect(await response.json()).toMatchObject({ code: 21604, status: 400 });
  });
});

describe('status callbacks', () => {
  it('posts a callback signed like Twilio, which twilio.validateRequest accepts', async () => {
    const statusCallback = `${receiver.url}/twilio/status?delivery=42`;
    const message = await client().messages.create({ to: TO, from: FROM, body: 'x', statusCallback });
    const result = await emulator.sendStatusCallback(message.sid, 'undelivered', { ErrorCode: '30003' });
    expect(result.responseStatus).toBe(204);
    const [callback] = receiver.received;
    expect(callback?.params).toMatchObject({
      MessageSid: message.sid,
      MessageStatus: 'undelivered',
      ErrorCode: '30003',
      To: TO,
      From: FROM,
    });
    expect(twilio.validateRequest(TOKEN, callback!.signature, statusCallback, callback!.params)).toBe(true);
    expect(twilio.validateRequest('another-token', callback!.signature, statusCallback, callback!.params)).toBe(false);
    expect(emulator.messages()[0]?.status).toBe('undelivered');
  });

  it("sends sent then delivered by itself in 'auto' mode", async () => {
    const auto = await startTwilioEmulator({ accountSid: SID, authToken: TOKEN, statusCallbacks: 'auto', autoCallbackDelayMs: 5 });
    try {
      const sdk = twilio(SID, TOKEN);
      sdk.api.baseUrl = auto.url;
      await sdk.messages.create({ to: TO, from: FROM, body: 'x', statusCallback: `${receiver.url}/twilio/status` });
      await expect.poll(() => receiver.received.map((entry) => entry.params.MessageStatus)).toEqual(['sent', 'delivered']);
      expect(auto.messages()[0]?.status).toBe('delivered');
    } finally {
      await auto.close();
    }
  });

  it('records a failed callback instead of throwing, and never calls a non-loopback URL', async () => {
    const refused = await client().messages.create({ to: TO, from: FROM, body: 'x', statusCallback: 'https://example.com/status' });
    expect((await emulator.sendStatusCallback(refused.sid, 'sent')).error).toMatch(/loopback/);
    const unreachable = await client().messages.create({ to: TO, from: FROM, body: 'x', statusCallback: 'http://127.0.0.1:1/status' });
    expect((await emulator.sendStatusCallback(unreachable.sid, 'sent')).error).toBeDefined();
    expect(emulator.callbacks()).toHaveLength(2);
  });

  it('lists received SMS on the inbox page', async () => {
    await client().messages.create({ to: TO, from: FROM, body: 'Hello <b>there</b>' });
    const page = await (await fetch(`${emulator.url}/__emulator/inbox`)).text();
    expect(page).toContain('Hello &lt;b&gt;there&lt;/b&gt;');
    expect(page).toContain(TO);
  });
});
