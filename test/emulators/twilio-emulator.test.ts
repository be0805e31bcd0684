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

describe('Messages list', () => {
  const send = (to: string, body: string) => client().messages.create({ to, from: FROM, body });

  it('lists newest first for the real SDK, filtered by To and From, across pages', async () => {
    for (const body of ['a', 'b', 'c', 'd', 'e']) await send(TO, body);
    await send('+14155550999', 'other');
    const listed = await client().messages.list({ to: TO, pageSize: 2 });
    expect(listed.map((message) => message.body)).toEqual(['e', 'd', 'c', 'b', 'a']);
    expect(listed[0]).toMatchObject({ to: TO, from: FROM, status: 'queued', dateSent: null });
    expect(emulator.requests('messages.list').map((request) => request.query)).toEqual([
      { To: TO, PageSize: '2' },
      { To: TO, PageSize: '2', Page: '1', PageToken: `PA${listed[1]!.sid}` },
      { To: TO, PageSize: '2', Page: '2', PageToken: `PA${listed[3]!.sid}` },
    ]);
    expect(await client().messages.list({ from: '+15005550007' })).toEqual([]);
    expect(await client().messages.list({ to: TO, limit: 3 })).toHaveLength(3);
  });

  it("answers Twilio's page shape", async () => {
    await send(TO, 'a');
    await send(TO, 'b');
    const path = `/2010-04-01/Accounts/${SID}/Messages.json`;
    const response = await fetch(`${emulator.url}${path}?To=${encodeURIComponent(TO)}&PageSize=1`, {
      headers: { authorization: `Basic ${Buffer.from(`${SID}:${TOKEN}`).toString('base64')}` },
    });
    const page = await response.json();
    expect(page).toMatchObject({
      page: 0,
      page_size: 1,
      start: 0,
      end: 0,
      previous_page_uri: null,
      uri: `${path}?To=%2B14155550123&PageSize=1&Page=0`,
      first_page_uri: `${path}?To=%2B14155550123&PageSize=1&Page=0`,
      next_page_uri: `${path}?To=%2B14155550123&PageSize=1&Page=1&PageToken=PA${page.messages[0].sid}`,
      messages: [{ body: 'b', to: TO, date_sent: null }],
    });
  });

  it('filters DateSent>, DateSent< and DateSent on the date Twilio sent it; a message not sent yet has none', async () => {
    const sent = await client().messages.create({ to: TO, from: FROM, body: 'sent', statusCallback: `${receiver.url}/twilio/status` });
    await send(TO, 'still queued');
    await emulator.sendStatusCallback(sent.sid, 'sent');
    const bodies = async (filter: Parameters<ReturnType<typeof client>['messages']['list']>[0]) =>
      (await client().messages.list(filter)).map((message) => message.body);
    const minuteAgo = new Date(Date.now() - 60_000);
    const inAMinute = new Date(Date.now() + 60_000);
    expect(await bodies({ to: TO, dateSentAfter: minuteAgo })).toEqual(['sent']);
    expect(await bodies({ to: TO, dateSentAfter: inAMinute })).toEqual([]);
    expect(await bodies({ to: TO, dateSentBefore: inAMinute })).toEqual(['sent']);
    expect(await bodies({ to: TO, dateSentBefore: minuteAgo })).toEqual([]);
    expect(emulator.requests('messages.list')[0]?.query['DateSent>']).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    const [message] = await client().messages.list({ to: TO, dateSentAfter: minuteAgo });
    expect(message!.dateSent.getTime()).toBeGreaterThan(minuteAgo.getTime());
    const today = new Date().toISOString().slice(0, 10);
    const headers = { authorization: `Basic ${Buffer.from(`${SID}:${TOKEN}`).toString('base64')}` };
    const day = await fetch(`${emulator.url}/2010-04-01/Accounts/${SID}/Messages.json?DateSent=${today}`, { headers });
    expect((await day.json()).messages.map((entry: { body: string }) => entry.body)).toEqual(['sent']);
    const bad = await fetch(`${emulator.url}/2010-04-01/Accounts/${SID}/Messages.json?PageSize=1001`, { headers });
    expect(bad.status).toBe(400);
  });

  it('refuses wrong credentials with 20003', async () => {
    await expect(client('wrong-token').messages.list({ to: TO })).rejects.toMatchObject({ status: 401, code: 20003 });
  });
});

describe('fault: accept, then drop the connection', () => {
  it('stores the message but never answers: the SDK sees the socket hang up, once', async () => {
    emulator.faults.set('messages.create', { dropAfterAccept: true, times: 1 });
    const error = await client()
      .messages.create({ to: TO, from: FROM, body: 'lost answer' })
      .catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'ECONNRESET', message: 'socket hang up' });
    expect(emulator.messages()).toMatchObject([{ to: TO, body: 'lost answer' }]);
    expect(emulator.requests('messages.create')).toHaveLength(1);
    const next = await client().messages.create({ to: TO, from: FROM, body: 'answered' });
    expect(emulator.messages().map((message) => message.body)).toEqual(['lost answer', 'answered']);
    expect(emulator.messages()[1]!.sid).toBe(next.sid);
  });

  it('with latencyMs, a client timeout shorter than it times out while the message is stored', async () => {
    emulator.faults.set('messages.create', { dropAfterAccept: true, latencyMs: 400, times: 1 });
    const sdk = twilio(SID, TOKEN, { timeout: 100 });
    sdk.api.baseUrl = emulator.url;
    const error = await sdk.messages.create({ to: TO, from: FROM, body: 'slow' }).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'ECONNABORTED' });
    expect(emulator.messages()).toHaveLength(1);
  });

  it('is set by other processes through POST /__emulator/faults, drops lists too, and refuses a status with it', async () => {
    const setFault = (fault: Record<string, unknown>) =>
      fetch(`${emulator.url}/__emulator/faults`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(fault),
      });
    expect((await setFault({ route: 'messages.list', dropAfterAccept: true })).status).toBe(204);
    await expect(client().messages.list({ to: TO })).rejects.toMatchObject({ code: 'ECONNRESET' });
    await expect(client().messages.list({ to: TO })).rejects.toMatchObject({ code: 'ECONNRESET' });
    expect((await setFault({ route: 'messages.list', status: 503, times: 1 })).status).toBe(204);
    await expect(client().messages.list({ to: TO })).rejects.toMatchObject({ status: 503 });
    expect(await client().messages.list({ to: TO })).toEqual([]);
    const refused = await setFault({ route: 'messages.create', dropAfterAccept: true, status: 500 });
    expect(refused.status).toBe(400);
    expect(() => emulator.faults.set('messages.create', { dropAfterAccept: true, status: 500 })).toThrow(/cannot be combined/);
  });
});

describe('ValidityPeriod', () => {
  it('keeps a valid one on the message and refuses one outside 1–36000 seconds with 21624, storing nothing', async () => {
    await client().messages.create({ to: TO, from: FROM, body: 'x', validityPeriod: 900 });
    expect(emulator.messages()[0]?.validityPeriod).toBe(900);
    for (const validityPeriod of [0, 36_001, 1.5]) {
      await expect(client().messages.create({ to: TO, from: FROM, body: 'x', validityPeriod })).rejects.toMatchObject({
        status: 400,
        code: 21624,
      });
    }
    expect(emulator.messages()).toHaveLength(1);
  });
});

describe('scripted outcomes per number', () => {
  it('answers 30003 twice, then delivers: each message to the number takes the next outcome, by callbacks', async () => {
    emulator.setOutcomes(TO, ['30003', '30003', 'delivered']);
    const statusCallback = `${receiver.url}/twilio/status`;
    const sids: string[] = [];
    for (let i = 0; i < 3; i++) sids.push((await client().messages.create({ to: TO, from: FROM, body: `x${i}`, statusCallback })).sid);
    const finals = () =>
      receiver.received
        .filter((entry) => entry.params.MessageStatus !== 'sent')
        .map((entry) => [entry.params.MessageSid, entry.params.MessageStatus, entry.params.ErrorCode]);
    await expect.poll(finals).toHaveLength(3);
    expect(new Map(finals().map(([sid, ...rest]) => [sid, rest]))).toEqual(
      new Map([
        [sids[0], ['undelivered', '30003']],
        [sids[1], ['undelivered', '30003']],
        [sids[2], ['delivered', undefined]],
      ]),
    );
    expect(receiver.received.filter((entry) => entry.params.MessageStatus === 'sent')).toHaveLength(3);
  });

  it("says `failed` alone for { status: 'failed' }, and is set by other processes through POST /__emulator/outcomes", async () => {
    const control = await fetch(`${emulator.url}/__emulator/outcomes`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ to: TO, outcomes: [{ errorCode: '30036', status: 'failed' }] }),
    });
    expect(control.status).toBe(204);
    await client().messages.create({ to: TO, from: FROM, body: 'x', statusCallback: `${receiver.url}/twilio/status` });
    await expect
      .poll(() => receiver.received.map((entry) => [entry.params.MessageStatus, entry.params.ErrorCode]))
      .toEqual([['failed', '30036']]);
  });
});

describe('sender registration resources', () => {
  const SERVICE = 'MG' + '12'.repeat(16);
  const TOLL_FREE = '+18885550100';
  const LONG_CODE = '+14155550100';

  it('answers the A2P 10DLC campaign of a Messaging Service, its sender pool, and 404 for an unknown service', async () => {
    emulator.setSenders({
      numbers: [{ phoneNumber: LONG_CODE }],
      services: [{ sid: SERVICE, phoneNumbers: [LONG_CODE], campaignStatus: 'VERIFIED' }],
    });
    const sdk = client();
    sdk.messaging.baseUrl = emulator.url;
    const [campaign] = await sdk.messaging.v1.services(SERVICE).usAppToPerson.list();
    expect(campaign).toMatchObject({ campaignStatus: 'VERIFIED', messagingServiceSid: SERVICE });
    expect((await sdk.messaging.v1.services.list()).map((service) => service.sid)).toEqual([SERVICE]);
    expect((await sdk.messaging.v1.services(SERVICE).phoneNumbers.list()).map((number) => number.phoneNumber)).toEqual([LONG_CODE]);
    await expect(sdk.messaging.v1.services('MG' + '34'.repeat(16)).usAppToPerson.list()).rejects.toMatchObject({
      status: 404,
      code: 20404,
    });
    await expect(sdk.messaging.v1.services('nope').usAppToPerson.list()).rejects.toMatchObject({ status: 400 });
  });

  it('finds a number’s SID by PhoneNumber and its toll-free verification by that SID', async () => {
    emulator.setSenders({
      numbers: [{ phoneNumber: TOLL_FREE, tollfreeVerification: 'PENDING_REVIEW' }, { phoneNumber: LONG_CODE }],
      services: [],
    });
    const sdk = client();
    sdk.messaging.baseUrl = emulator.url;
    const [number] = await sdk.incomingPhoneNumbers.list({ phoneNumber: TOLL_FREE });
    expect(number?.sid).toMatch(/^PN[0-9a-f]{32}$/);
    const [verification] = await sdk.messaging.v1.tollfreeVerifications.list({ tollfreePhoneNumberSid: number!.sid });
    expect(verification).toMatchObject({ status: 'PENDING_REVIEW', tollfreePhoneNumberSid: number!.sid });
    const [longCode] = await sdk.incomingPhoneNumbers.list({ phoneNumber: LONG_CODE });
    expect(await sdk.messaging.v1.tollfreeVerifications.list({ tollfreePhoneNumberSid: longCode!.sid })).toEqual([]);
    await expect(client('wrong').incomingPhoneNumbers.list({ phoneNumber: TOLL_FREE })).rejects.toMatchObject({ status: 401, code: 20003 });
  });
});

describe('senders the account does not have', () => {
  it('refuses a From the account does not own with 21606 and an unknown Messaging Service with 21701, once it knows its senders', async () => {
    emulator.setSenders({ numbers: [{ phoneNumber: FROM }], services: [{ sid: 'MG' + '12'.repeat(16), phoneNumbers: [FROM] }] });
    await client().messages.create({ to: TO, from: FROM, body: 'x' });
    await expect(client().messages.create({ to: TO, from: '+14155550100', body: 'x' })).rejects.toMatchObject({ status: 400, code: 21606 });
    await expect(client().messages.create({ to: TO, messagingServiceSid: 'MG' + '34'.repeat(16), body: 'x' })).rejects.toMatchObject({
      status: 400,
      code: 21701,
    });
    expect(emulator.messages()).toHaveLength(1);
  });
});
