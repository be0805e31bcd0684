import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type DatabaseHandle } from '../db/client.ts';
import { sessions, smsDeliveries, solvers } from '../db/schema.ts';
import { startJobQueue, type JobQueue } from '../jobs/job-queue.ts';
import { createMemoryLogger } from '../logger.ts';
import { createHostEventOutbox } from '../host/host-event-outbox.ts';
import { createRealtimeOutbox } from '../realtime/outbox.ts';
import { createSmsOutbox } from './sms-outbox.ts';
import { INTERRUPTED, createSmsWorker } from './sms-worker.ts';
import { SmsSendError, type SmsMessage, type SmsSender } from './twilio-sender.ts';

// The SMS worker's decisions, with Twilio stubbed: retry, fail visibly, never send twice.
let database: DatabaseHandle;
let queue: JobQueue;
let sessionId: string;

beforeAll(async () => {
  database = await openDatabase({ kind: 'pglite', dataDir: 'memory://' });
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

const queueSms = () =>
  database.db.transaction((tx) => createSmsOutbox(queue, true).queue(tx, { sessionId, to: '+14155550123', body: 'hello' }));
const stateOf = async (deliveryId: string) => (await database.db.select().from(smsDeliveries).where(eq(smsDeliveries.id, deliveryId)))[0]!;
const worker = (send: SmsSender['send']) =>
  createSmsWorker({
    db: database.db,
    sender: { send },
    realtime: createRealtimeOutbox(queue, false),
    hostEvents: createHostEventOutbox(queue, false),
    log: createMemoryLogger().logger,
  });
const attempt = (n: number, last = false) => ({ attempt: n, isLastAttempt: last });

describe('SMS worker', () => {
  it('retries a transient error, then hands the SMS over exactly once', async () => {
    const { deliveryId } = await queueSms();
    const sent: SmsMessage[] = [];
    let fail = true;
    const run = worker(async (message) => {
      sent.push(message);
      if (fail) throw new SmsSendError('Twilio answered HTTP 503', '20503', false);
      return { sid: 'SM1' };
    });
    await expect(run({ deliveryId }, attempt(1))).rejects.toThrow('HTTP 503');
    expect(await stateOf(deliveryId)).toMatchObject({ status: 'queued', errorCode: '20503', handingOverAt: null });
    fail = false;
    await run({ deliveryId }, attempt(2));
    await run({ deliveryId }, attempt(3));
    expect(sent).toHaveLength(2);
    expect(await stateOf(deliveryId)).toMatchObject({ status: 'accepted', twilioSid: 'SM1', errorMessage: null, attempts: 2 });
  });

  it('fails a permanent error at once with the reason', async () => {
    const { deliveryId } = await queueSms();
    await worker(async () => {
      throw new SmsSendError('Twilio 21610: recipient has unsubscribed (replied STOP)', '21610', true);
    })({ deliveryId }, attempt(1));
    expect(await stateOf(deliveryId)).toMatchObject({
      status: 'failed',
      errorCode: '21610',
      errorMessage: 'Twilio 21610: recipient has unsubscribed (replied STOP)',
    });
  });

  it('marks the last transient failure failed instead of dropping it', async () => {
    const { deliveryId } = await queueSms();
    await worker(async () => {
      throw new SmsSendError('Twilio could not be reached (ECONNREFUSED)', 'ECONNREFUSED', false);
    })({ deliveryId }, attempt(9, true));
    expect((await stateOf(deliveryId)).errorMessage).toBe('gave up after 9 attempts: Twilio could not be reached (ECONNREFUSED)');
  });

  it('never sends twice after a worker died while Twilio had the request: it says the state is unknown', async () => {
    const { deliveryId } = await queueSms();
    // The first run hangs inside Twilio's call, as if its process was killed there.
    void worker(() => new Promise(() => {}))({ deliveryId }, attempt(1));
    for (let i = 0; i < 100 && !(await stateOf(deliveryId)).handingOverAt; i++) await new Promise((resolve) => setTimeout(resolve, 10));
    const sent: SmsMessage[] = [];
    await worker(async (message) => {
      sent.push(message);
      return { sid: 'SM2' };
    })({ deliveryId }, attempt(2));
    expect(sent).toEqual([]);
    expect(await stateOf(deliveryId)).toMatchObject({ status: 'failed', errorCode: 'interrupted', errorMessage: INTERRUPTED });
  });
});
