import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startTwilioEmulator, type TwilioEmulator } from '../../test/emulators/twilio-emulator.ts';
import { LOOKUP_MARGIN_MS, SmsSendError, createTwilioSender, type TwilioSenderOptions } from './twilio-sender.ts';

// The adapter through the real twilio SDK against the emulator: which failures leave the outcome unknown, and the look-up.
const SID = 'AC' + '12'.repeat(16);
const TOKEN = '34'.repeat(16);
const TO = '+14155550123';

let emulator: TwilioEmulator;
let options: TwilioSenderOptions;

beforeAll(async () => {
  emulator = await startTwilioEmulator({ accountSid: SID, authToken: TOKEN });
  options = { accountSid: SID, authToken: TOKEN, fromNumber: '+15005550006', apiUrl: emulator.url, timeoutMs: 200 };
});
afterAll(() => emulator.close());
afterEach(() => emulator.reset());

const failureOf = (promise: Promise<unknown>) =>
  promise.then(
    () => expect.unreachable('should have failed'),
    (error: unknown) => error,
  );

describe('send: what a failure says about the outcome', () => {
  it.each([
    ['the connection dropped after Twilio took it', { dropAfterAccept: true, times: 1 }, 'ECONNRESET', 1],
    ['a timeout while Twilio was taking it', { dropAfterAccept: true, latencyMs: 1_000, times: 1 }, 'ECONNABORTED', 1],
  ])('unknown: %s', async (_case, fault, code, held) => {
    emulator.faults.set('messages.create', fault);
    const error = await failureOf(createTwilioSender(options).send({ to: TO, body: 'hello' }));
    expect(error).toBeInstanceOf(SmsSendError);
    expect(error).toMatchObject({ code, permanent: false, outcomeUnknown: true, message: expect.stringMatching(/^Twilio did not answer/) });
    expect(emulator.messages()).toHaveLength(held);
  });

  it.each([
    ['Twilio answered 503', { status: 503, times: 1 }, '20503', false],
    ['Twilio refused the number (21610)', undefined, '21610', true],
  ])('known: %s', async (_case, fault, code, permanent) => {
    if (fault) emulator.faults.set('messages.create', fault);
    const error = await failureOf(createTwilioSender(options).send({ to: fault ? TO : emulator.unsubscribedNumber, body: 'hello' }));
    expect(error).toMatchObject({ code, permanent, outcomeUnknown: false });
  });

  it('known: nothing listening (ECONNREFUSED) never reached Twilio', async () => {
    const error = await failureOf(createTwilioSender({ ...options, apiUrl: 'http://127.0.0.1:1' }).send({ to: TO, body: 'hello' }));
    expect(error).toMatchObject({ code: 'ECONNREFUSED', outcomeUnknown: false });
  });
});

describe('findSent', () => {
  it('finds the messages to that number with exactly that body since the attempt began, oldest first', async () => {
    const sender = createTwilioSender(options);
    const since = new Date();
    const first = await sender.send({ to: TO, body: 'Join: https://meet.google.com/abc' });
    await sender.send({ to: TO, body: 'Join: https://meet.google.com/abc ' });
    await sender.send({ to: '+14155550999', body: 'Join: https://meet.google.com/abc' });
    const second = await sender.send({ to: TO, body: 'Join: https://meet.google.com/abc' });
    const found = await sender.findSent({ to: TO, body: 'Join: https://meet.google.com/abc', since });
    expect(found.map((message) => message.sid)).toEqual([first.sid, second.sid]);
    expect(found[0]).toMatchObject({ status: 'queued', errorCode: null });
    // Only messages created since the attempt began, less the margin for Twilio's clock.
    const later = new Date(Date.now() + LOOKUP_MARGIN_MS + 5_000);
    expect(await sender.findSent({ to: TO, body: 'Join: https://meet.google.com/abc', since: later })).toEqual([]);
    expect(emulator.requests('messages.list').at(-1)?.query).toEqual({ To: TO, PageSize: '1000' });
  });

  it('finds a message Twilio took although the answer was lost, before it was sent', async () => {
    const sender = createTwilioSender(options);
    const since = new Date();
    emulator.faults.set('messages.create', { dropAfterAccept: true, times: 1 });
    await failureOf(sender.send({ to: TO, body: 'hello' }));
    expect(await sender.findSent({ to: TO, body: 'hello', since })).toMatchObject([{ sid: emulator.messages()[0]!.sid }]);
  });

  it('throws an SmsSendError when Twilio cannot be asked', async () => {
    emulator.faults.set('messages.list', { status: 500, times: 1 });
    await expect(createTwilioSender(options).findSent({ to: TO, body: 'hello', since: new Date() })).rejects.toMatchObject({
      name: 'SmsSendError',
      code: '20500',
    });
  });
});
