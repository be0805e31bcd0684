import { randomBytes } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { DatabaseHandle } from '../db/client.ts';
import { sessions, smsDeliveries, solvers } from '../db/schema.ts';
import { startJobQueue, type JobQueue } from '../jobs/job-queue.ts';
import { createMemoryLogger } from '../logger.ts';
import { createHostEventOutbox } from '../host/host-event-outbox.ts';
import { createRealtimeOutbox } from '../realtime/outbox.ts';
import { applyTwilioStatus } from './delivery-status.ts';
import { createSmsOutbox } from './sms-outbox.ts';
import { INTERRUPTED, createSmsWorker } from './sms-worker.ts';
import { SmsSendError, type SentSms, type SmsMessage, type SmsSender } from './twilio-sender.ts';
import { openMemoryPglite } from '../../test/support/pglite-template.ts';

// The SMS worker's decisions, with Twilio stubbed: retry, fail visibly, never send twice.
let database: DatabaseHandle;
let queue: JobQueue;
let sessionId: string;

beforeAll(async () => {
  database = await openMemoryPglite();
  queue = await startJobQueue(database, createMemoryLogger().logger);
  const [solver] = await database.db.insert(solvers).values({ name: 'Ada', email: 'ada@example.com', employment: 'employed' }).returning();
  const [session] = await database.db
    .insert(sessions)
    .values({ solverId: solver!.id, customerName: 'Grace', customerPhone: '+14155550123' })
    .returning();
  sessionId = session!.id;
});
afterAll(async () => {
  await queue?.stop();
  await database?.close();
});

const queueSms = (body = 'hello') =>
  database.db.transaction((tx) => createSmsOutbox(queue, true).queue(tx, { sessionId, to: '+14155550123', body }));
const stateOf = async (deliveryId: string) => (await database.db.select().from(smsDeliveries).where(eq(smsDeliveries.id, deliveryId)))[0]!;
const worker = (sender: SmsSender, db = database.db) =>
  createSmsWorker({
    db,
    sender,
    realtime: createRealtimeOutbox(queue, false),
    hostEvents: createHostEventOutbox(queue, false),
    queue,
    log: createMemoryLogger().logger,
  });
const attempt = (n: number, last = false) => ({ attempt: n, isLastAttempt: last });
const newSid = () => `SM${randomBytes(16).toString('hex')}`;
const noAnswer = () => new SmsSendError('Twilio did not answer (ECONNRESET: socket hang up)', 'ECONNRESET', false, true);

/**
 * A stand-in for Twilio: what it holds, and what each send does — `accept` stores the message and answers,
 * `acceptThenLose` stores it and throws as if the answer was lost, `lose` throws without storing, `hang` never settles.
 */
function fakeTwilio(steps: ('accept' | 'acceptThenLose' | 'lose' | 'hang' | SmsSendError)[] = []) {
  const held: (SentSms & { to: string; body: string })[] = [];
  const sent: SmsMessage[] = [];
  const lookups: { since: Date }[] = [];
  let lookupError: SmsSendError | undefined;
  const hold = (to: string, body: string, status = 'queued') => {
    const message = { sid: newSid(), status, errorCode: null, createdAt: new Date(), to, body };
    held.push(message);
    return message;
  };
  const sender: SmsSender = {
    async send(message) {
      sent.push(message);
      const step = steps.shift() ?? 'accept';
      if (step instanceof SmsSendError) throw step;
      if (step === 'hang') return new Promise(() => {});
      if (step === 'lose') throw noAnswer();
      const { sid } = hold(message.to, message.body);
      if (step === 'acceptThenLose') throw noAnswer();
      return { sid };
    },
    async findSent({ to, body, since }) {
      lookups.push({ since });
      if (lookupError) throw lookupError;
      return held.filter(
        (message) => message.to === to && message.body === body && message.createdAt.getTime() >= since.getTime() - 60_000,
      );
    },
  };
  return {
    sender,
    held,
    sent,
    lookups,
    hold,
    failLookups: (error: SmsSendError | undefined) => void (lookupError = error),
  };
}

describe('SMS worker: Twilio answered', () => {
  it('retries a transient error, then hands the SMS over exactly once', async () => {
    const { deliveryId } = await queueSms();
    const twilio = fakeTwilio([new SmsSendError('Twilio answered HTTP 503', '20503', false)]);
    const run = worker(twilio.sender);
    await expect(run({ deliveryId }, attempt(1))).rejects.toThrow('HTTP 503');
    expect(await stateOf(deliveryId)).toMatchObject({ status: 'queued', errorCode: '20503', handingOverAt: null });
    await run({ deliveryId }, attempt(2));
    await run({ deliveryId }, attempt(3));
    expect(twilio.sent).toHaveLength(2);
    expect(twilio.lookups).toEqual([]);
    expect(await stateOf(deliveryId)).toMatchObject({
      status: 'accepted',
      twilioSid: twilio.held[0]!.sid,
      errorMessage: null,
      attempts: 2,
    });
  });

  it('fails a permanent error at once with the reason', async () => {
    const { deliveryId } = await queueSms();
    await worker(fakeTwilio([new SmsSendError('Twilio 21610: recipient has unsubscribed (replied STOP)', '21610', true)]).sender)(
      { deliveryId },
      attempt(1),
    );
    expect(await stateOf(deliveryId)).toMatchObject({
      status: 'failed',
      errorCode: '21610',
      errorMessage: 'Twilio 21610: recipient has unsubscribed (replied STOP)',
    });
  });

  it('marks the last transient failure failed instead of dropping it', async () => {
    const { deliveryId } = await queueSms();
    await worker(fakeTwilio([new SmsSendError('Twilio could not be reached (ECONNREFUSED)', 'ECONNREFUSED', false)]).sender)(
      { deliveryId },
      attempt(9, true),
    );
    expect((await stateOf(deliveryId)).errorMessage).toBe('gave up after 9 attempts: Twilio could not be reached (ECONNREFUSED)');
  });
});

describe('SMS worker: the answer was lost (timeout, reset)', () => {
  it('adopts the message Twilio took before the answer was lost, and never sends a second one', async () => {
    const { deliveryId } = await queueSms();
    const twilio = fakeTwilio(['acceptThenLose']);
    const run = worker(twilio.sender);
    await expect(run({ deliveryId }, attempt(1))).rejects.toThrow('did not answer');
    const unsettled = await stateOf(deliveryId);
    expect(unsettled).toMatchObject({ status: 'queued', errorCode: 'ECONNRESET' });
    expect(unsettled.handingOverAt).not.toBeNull();
    await run({ deliveryId }, attempt(2));
    expect(twilio.sent).toHaveLength(1);
    expect(twilio.lookups).toEqual([{ since: unsettled.handingOverAt }]);
    expect(await stateOf(deliveryId)).toMatchObject({ status: 'accepted', twilioSid: twilio.held[0]!.sid, errorCode: null, attempts: 1 });
  });

  it('sends again when Twilio never got the request', async () => {
    const { deliveryId } = await queueSms();
    const twilio = fakeTwilio(['lose', 'accept']);
    const run = worker(twilio.sender);
    await expect(run({ deliveryId }, attempt(1))).rejects.toThrow('did not answer');
    await run({ deliveryId }, attempt(2));
    expect(twilio.sent).toHaveLength(2);
    expect(twilio.lookups).toHaveLength(1);
    expect(twilio.held).toHaveLength(1);
    expect(await stateOf(deliveryId)).toMatchObject({ status: 'accepted', twilioSid: twilio.held[0]!.sid, attempts: 2 });
  });

  it('takes the status Twilio already reports for an adopted message (its callbacks had no sid to match)', async () => {
    const { deliveryId } = await queueSms();
    const twilio = fakeTwilio(['acceptThenLose']);
    const run = worker(twilio.sender);
    await expect(run({ deliveryId }, attempt(1))).rejects.toThrow();
    twilio.held[0]!.status = 'delivered';
    await run({ deliveryId }, attempt(2));
    expect(await stateOf(deliveryId)).toMatchObject({ status: 'delivered', twilioSid: twilio.held[0]!.sid });
  });

  it('looks at once on the last attempt: adopts what Twilio took, else says it may or may not have been sent', async () => {
    const taken = await queueSms();
    await worker(fakeTwilio(['acceptThenLose']).sender)({ deliveryId: taken.deliveryId }, attempt(9, true));
    expect(await stateOf(taken.deliveryId)).toMatchObject({ status: 'accepted' });

    const lost = await queueSms();
    await worker(fakeTwilio(['lose']).sender)({ deliveryId: lost.deliveryId }, attempt(9, true));
    expect(await stateOf(lost.deliveryId)).toMatchObject({ status: 'failed', errorCode: 'interrupted', errorMessage: INTERRUPTED });
  });

  it('never sends blind when Twilio cannot be asked: retries the look-up, then fails visibly', async () => {
    const { deliveryId } = await queueSms();
    const twilio = fakeTwilio(['lose']);
    const run = worker(twilio.sender);
    await expect(run({ deliveryId }, attempt(1))).rejects.toThrow();
    twilio.failLookups(new SmsSendError('Twilio answered HTTP 503', '20503', false));
    await expect(run({ deliveryId }, attempt(2))).rejects.toThrow('HTTP 503');
    expect(await stateOf(deliveryId)).toMatchObject({ status: 'queued', errorCode: '20503' });
    await run({ deliveryId }, attempt(3, true));
    expect(twilio.sent).toHaveLength(1);
    expect(await stateOf(deliveryId)).toMatchObject({ status: 'failed', errorCode: 'interrupted', errorMessage: INTERRUPTED });
  });
});

describe('SMS worker: Twilio answered but storing the answer failed', () => {
  it('leaves the attempt under way, so the retry adopts that message instead of sending again', async () => {
    const { deliveryId } = await queueSms();
    const twilio = fakeTwilio(['accept']);
    // The database drops the transaction that would store Twilio's answer, once.
    let dropNext = true;
    const flaky = new Proxy(database.db, {
      get(target, property, receiver) {
        if (property === 'transaction' && dropNext) {
          dropNext = false;
          return async () => Promise.reject(new Error('connection terminated'));
        }
        return Reflect.get(target, property, receiver);
      },
    });
    await expect(worker(twilio.sender, flaky)({ deliveryId }, attempt(1))).rejects.toThrow('connection terminated');
    expect((await stateOf(deliveryId)).handingOverAt).not.toBeNull();
    await worker(twilio.sender)({ deliveryId }, attempt(2));
    expect(twilio.sent).toHaveLength(1);
    expect(await stateOf(deliveryId)).toMatchObject({ status: 'accepted', twilioSid: twilio.held[0]!.sid });
  });
});

describe('SMS worker: a worker died while Twilio had the request', () => {
  /** The first run hangs inside Twilio's call, as if its process was killed there. */
  const dieMidCall = async (deliveryId: string, twilio: ReturnType<typeof fakeTwilio>) => {
    void worker(twilio.sender)({ deliveryId }, attempt(1));
    await vi.waitFor(() => expect(twilio.sent).toHaveLength(1));
  };

  it.each([
    ['adopts the message when Twilio took it', true, 1],
    ['sends it when Twilio never got it', false, 2],
  ])('%s', async (_case, twilioTookIt, sends) => {
    const { deliveryId } = await queueSms();
    const twilio = fakeTwilio(['hang', 'accept']);
    await dieMidCall(deliveryId, twilio);
    if (twilioTookIt) twilio.hold('+14155550123', 'hello');
    await worker(twilio.sender)({ deliveryId }, attempt(2));
    expect(twilio.sent).toHaveLength(sends);
    expect(twilio.held).toHaveLength(1);
    expect(await stateOf(deliveryId)).toMatchObject({ status: 'accepted', twilioSid: twilio.held[0]!.sid });
  });

  it('fails visibly, not blind, when Twilio cannot be asked on the last attempt', async () => {
    const { deliveryId } = await queueSms();
    const twilio = fakeTwilio(['hang']);
    await dieMidCall(deliveryId, twilio);
    twilio.failLookups(new SmsSendError('Twilio could not be reached (ECONNREFUSED)', 'ECONNREFUSED', false));
    await worker(twilio.sender)({ deliveryId }, attempt(9, true));
    expect(twilio.sent).toHaveLength(1);
    expect(await stateOf(deliveryId)).toMatchObject({ status: 'failed', errorCode: 'interrupted', errorMessage: INTERRUPTED });
  });
});

describe('SMS worker: a resend of the same text', () => {
  it('adopts its own message, never the one an earlier delivery already holds', async () => {
    const body = `Join: https://meet.google.com/${randomBytes(4).toString('hex')}`;
    const twilio = fakeTwilio(['accept', 'acceptThenLose']);
    const run = worker(twilio.sender);
    const first = await queueSms(body);
    await run({ deliveryId: first.deliveryId }, attempt(1));
    const resend = await queueSms(body);
    await expect(run({ deliveryId: resend.deliveryId }, attempt(1))).rejects.toThrow();
    await run({ deliveryId: resend.deliveryId }, attempt(2));
    const [original, again] = twilio.held;
    expect(twilio.sent).toHaveLength(2);
    expect(await stateOf(first.deliveryId)).toMatchObject({ status: 'accepted', twilioSid: original!.sid });
    expect(await stateOf(resend.deliveryId)).toMatchObject({ status: 'accepted', twilioSid: again!.sid });
  });

  it('sends again when the only message with that text belongs to the earlier delivery', async () => {
    const body = `Join: https://meet.google.com/${randomBytes(4).toString('hex')}`;
    const twilio = fakeTwilio(['accept', 'lose', 'accept']);
    const run = worker(twilio.sender);
    const first = await queueSms(body);
    await run({ deliveryId: first.deliveryId }, attempt(1));
    const resend = await queueSms(body);
    await expect(run({ deliveryId: resend.deliveryId }, attempt(1))).rejects.toThrow();
    await run({ deliveryId: resend.deliveryId }, attempt(2));
    expect(twilio.sent).toHaveLength(3);
    expect(twilio.held).toHaveLength(2);
    expect(await stateOf(resend.deliveryId)).toMatchObject({ status: 'accepted', twilioSid: twilio.held[1]!.sid, attempts: 2 });
  });

  it('maps two unsettled deliveries of one text to two distinct messages, oldest first', async () => {
    const body = `Join: https://meet.google.com/${randomBytes(4).toString('hex')}`;
    const twilio = fakeTwilio(['acceptThenLose', 'acceptThenLose']);
    const run = worker(twilio.sender);
    const first = await queueSms(body);
    const resend = await queueSms(body);
    await expect(run({ deliveryId: first.deliveryId }, attempt(1))).rejects.toThrow();
    await expect(run({ deliveryId: resend.deliveryId }, attempt(1))).rejects.toThrow();
    await run({ deliveryId: resend.deliveryId }, attempt(2));
    await run({ deliveryId: first.deliveryId }, attempt(2));
    expect(twilio.sent).toHaveLength(2);
    const sids = [(await stateOf(resend.deliveryId)).twilioSid, (await stateOf(first.deliveryId)).twilioSid];
    expect(sids).toEqual(twilio.held.map((message) => message.sid));
  });
});

describe('SMS worker: a carrier retry (a temporary failure reported by a status callback)', () => {
  const effects = () => ({
    realtime: createRealtimeOutbox(queue, false),
    hostEvents: createHostEventOutbox(queue, false),
    queue,
    log: createMemoryLogger().logger,
  });

  it('sends again, and a lost answer never adopts the superseded message of the same text', async () => {
    const twilio = fakeTwilio(['accept', 'lose', 'accept']);
    const run = worker(twilio.sender);
    const { deliveryId } = await queueSms(`Join: https://meet.google.com/${randomBytes(4).toString('hex')}`);
    await run({ deliveryId }, attempt(1));
    const first = twilio.held[0]!;
    expect(
      await applyTwilioStatus(database.db, effects(), { messageSid: first.sid, messageStatus: 'undelivered', errorCode: '30003' }),
    ).toBe(true);
    expect(await stateOf(deliveryId)).toMatchObject({ status: 'queued', twilioSid: null, carrierRetries: 1, errorCode: '30003' });

    await expect(run({ deliveryId }, attempt(1))).rejects.toThrow('did not answer');
    await run({ deliveryId }, attempt(2));
    expect(twilio.lookups).toHaveLength(1);
    expect(twilio.sent).toHaveLength(3);
    expect(await stateOf(deliveryId)).toMatchObject({
      status: 'accepted',
      twilioSid: twilio.held[1]!.sid,
      carrierRetries: 1,
      errorCode: null,
    });

    // The superseded message's late callbacks change nothing.
    expect(await applyTwilioStatus(database.db, effects(), { messageSid: first.sid, messageStatus: 'delivered' })).toBe(false);
    expect(
      await applyTwilioStatus(database.db, effects(), { messageSid: first.sid, messageStatus: 'undelivered', errorCode: '30003' }),
    ).toBe(false);
    expect((await stateOf(deliveryId)).status).toBe('accepted');
  });

  it('classifies a callback code not in the table by its kind and logs the code', async () => {
    const twilio = fakeTwilio();
    const { deliveryId } = await queueSms();
    await worker(twilio.sender)({ deliveryId }, attempt(1));
    const { logger, lines } = createMemoryLogger();
    await applyTwilioStatus(
      database.db,
      { ...effects(), log: logger },
      { messageSid: twilio.held[0]!.sid, messageStatus: 'undelivered', errorCode: '30999' },
    );
    expect(await stateOf(deliveryId)).toMatchObject({
      status: 'undelivered',
      carrierRetries: 0,
      errorCode: '30999',
      errorMessage: 'Twilio could not deliver the text to this number.',
    });
    expect(lines.filter((line) => line.includes('not in the table') && line.includes('30999') && line.includes('recipient'))).toHaveLength(
      1,
    );
  });

  it('retries at most twice; a class that is not temporary is final at once', async () => {
    const twilio = fakeTwilio();
    const run = worker(twilio.sender);
    const { deliveryId } = await queueSms();
    for (const code of ['30017', '30001']) {
      await run({ deliveryId }, attempt(1));
      await applyTwilioStatus(database.db, effects(), {
        messageSid: twilio.held.at(-1)!.sid,
        messageStatus: 'undelivered',
        errorCode: code,
      });
    }
    await run({ deliveryId }, attempt(1));
    await applyTwilioStatus(database.db, effects(), {
      messageSid: twilio.held.at(-1)!.sid,
      messageStatus: 'undelivered',
      errorCode: '30008',
    });
    expect(twilio.sent).toHaveLength(3);
    expect(await stateOf(deliveryId)).toMatchObject({ status: 'undelivered', carrierRetries: 2, errorCode: '30008' });

    const other = await queueSms();
    await run({ deliveryId: other.deliveryId }, attempt(1));
    await applyTwilioStatus(database.db, effects(), {
      messageSid: twilio.held.at(-1)!.sid,
      messageStatus: 'undelivered',
      errorCode: '30034',
    });
    expect(await stateOf(other.deliveryId)).toMatchObject({ status: 'undelivered', carrierRetries: 0, errorCode: '30034' });
  });
});
