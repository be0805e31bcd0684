import { asc, eq } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { smsDeliveries } from '../../backend/db/schema.ts';
import { LIVE_POLLS, eventually, settle, startStack, type Stack } from './stack.ts';

/**
 * Twilio takes the SMS but its answer never reaches the backend (the connection drops): the real twilio SDK, the
 * real worker and queue on PGlite. The customer must get one SMS, and the delivery must carry that message's sid.
 */
describe('SMS whose answer from Twilio was lost', () => {
  let stack: Stack;
  let adaId: string;
  let token: string;
  let phone = 14155554000;

  const createsTo = (customerPhone: string) =>
    stack.emulators.twilio.requests('messages.create').filter((request) => request.body?.To === customerPhone);
  const deliveries = (sessionId: string) =>
    stack.backend.database.db
      .select()
      .from(smsDeliveries)
      .where(eq(smsDeliveries.sessionId, sessionId))
      .orderBy(asc(smsDeliveries.createdAt));
  const accepted = (sessionId: string, count: number) =>
    eventually(async () => {
      const rows = await deliveries(sessionId);
      return rows.length === count && rows.every((row) => row.status !== 'queued') && rows;
    }, `${count} SMS deliveries settled`);
  async function escalate() {
    const customerPhone = `+${(phone += 1)}`;
    const sessionId = await stack.api.createSession({ solverId: adaId, customerName: 'Grace Hopper', customerPhone });
    const link = await stack.api.call('POST', '/api/meet/links', { json: { sessionId }, token });
    expect(link.body).toMatchObject({ success: true });
    return { sessionId, customerPhone };
  }

  beforeAll(async () => {
    stack = await startStack('pglite');
    adaId = await stack.api.createSolver({
      name: 'Ada Lovelace',
      email: 'ada@example.com',
      employment: 'employed',
      googleEmail: 'ada@example.com',
    });
    token = await stack.signIn('ada@example.com');
  });
  afterAll(async () => stack?.close());
  beforeEach(() => stack.emulators.clearFaults());

  it('adopts the message Twilio took: one SMS to the customer, accepted then delivered with its sid', async () => {
    stack.emulators.twilio.faults.set('messages.create', { dropAfterAccept: true, times: 1 });
    const { sessionId, customerPhone } = await escalate();
    const [delivery] = await accepted(sessionId, 1);
    const { sms } = await settle(stack, sessionId, LIVE_POLLS);
    const [message] = sms;
    expect(sms).toHaveLength(1);
    expect(createsTo(customerPhone)).toHaveLength(1);
    expect(stack.emulators.twilio.requests('messages.list').some((request) => request.query.To === customerPhone)).toBe(true);
    expect(delivery).toMatchObject({ status: 'accepted', twilioSid: message!.sid, errorMessage: null, attempts: 1 });

    await stack.emulators.twilio.sendStatusCallback(message!.sid, 'delivered');
    expect((await stack.api.adminSession(sessionId)).body.sms).toMatchObject({ status: 'delivered', error: null });
  });

  it('on a resend of the same text, adopts the new message and leaves the first one to its delivery', async () => {
    const { sessionId, customerPhone } = await escalate();
    await accepted(sessionId, 1);
    stack.emulators.twilio.faults.set('messages.create', { dropAfterAccept: true, times: 1 });
    const resend = await stack.api.call('POST', `/api/meet/links/${sessionId}/resend`, { token });
    expect(resend.status).toBe(200);
    const [first, second] = await accepted(sessionId, 2);
    const messages = (await settle(stack, sessionId, LIVE_POLLS)).sms;
    expect(messages).toHaveLength(2);
    expect(messages[0]!.body).toBe(messages[1]!.body);
    expect([first!.twilioSid, second!.twilioSid]).toEqual(messages.map((message) => message.sid));
    expect(second).toMatchObject({ status: 'accepted', attempts: 1 });
  });
});
