import { asc, eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hostEvents, smsDeliveries, smsSupersededMessages } from '../../backend/db/schema.ts';
import type { MessageOutcome } from '../emulators/twilio-emulator.ts';
import { eventually, startStack, type DatabaseChoice, type Stack } from './stack.ts';

/** postgres.js answers the rows, PGlite `{ rows }`. */
const rowsOf = <T>(result: unknown): T[] => (Array.isArray(result) ? result : (result as { rows: T[] }).rows);

/**
 * Twilio's errors end to end (issue 21): the real twilio SDK, worker, queue and status-callback route against the
 * Twilio emulator, whose numbers answer scripted outcomes. Each class: its state, its retries, its host events; an
 * absence ("no fourth text") is asserted only once the session's queue work and host events have settled.
 */
export function describeSmsCarrierErrors(database: DatabaseChoice) {
  describe(`SMS carrier errors on ${database}`, () => {
    let stack: Stack;
    let adaId: string;
    let token: string;
    let phone = 14155557000;

    const db = () => stack.backend.database.db;
    const twilio = () => stack.emulators.twilio;
    const smsTo = (customerPhone: string) =>
      twilio()
        .messages()
        .filter((message) => message.to === customerPhone);
    const deliveriesOf = (sessionId: string) =>
      db().select().from(smsDeliveries).where(eq(smsDeliveries.sessionId, sessionId)).orderBy(asc(smsDeliveries.createdAt));
    const hostEventsOf = (sessionId: string, type: string) =>
      stack.host.uniqueEvents().filter((event) => event.type === type && event.data.sessionId === sessionId);

    /** A session escalated to a new customer number whose texts end as `outcomes` say. */
    async function escalate(outcomes: MessageOutcome[] = []) {
      const customerPhone = `+${(phone += 1)}`;
      if (outcomes.length > 0) twilio().setOutcomes(customerPhone, outcomes);
      return escalateTo(customerPhone);
    }
    async function escalateTo(customerPhone: string) {
      const sessionId = await stack.api.createSession({ solverId: adaId, customerName: 'Grace Hopper', customerPhone });
      const link = await stack.api.call('POST', '/api/meet/links', { json: { sessionId }, token });
      expect(link.body).toMatchObject({ success: true });
      return { sessionId, customerPhone };
    }

    /**
     * Everything that could send another text or event for the session is done: its deliveries are in a final state,
     * no `sms.send` job of theirs is waiting, running or due for retry, and none of its host events is pending.
     */
    const settled = (sessionId: string, final: string[] = ['delivered', 'undelivered', 'failed']) =>
      eventually(async () => {
        const rows = await deliveriesOf(sessionId);
        if (rows.length === 0 || !rows.every((row) => final.includes(row.status))) return false;
        const jobs = rowsOf<{ n: number }>(
          await db().execute(
            sql`select count(*)::int as n from pgboss.job where name = 'sms.send' and state in ('created', 'retry', 'active')
                  and data->>'deliveryId' in (select id::text from sms_deliveries where session_id = ${sessionId})`,
          ),
        );
        if (jobs[0]!.n > 0) return false;
        const events = await db().select().from(hostEvents).where(eq(hostEvents.sessionId, sessionId));
        if (events.some((event) => event.status === 'pending')) return false;
        return rows;
      }, `the SMS of ${sessionId} settled`);
    beforeAll(async () => {
      stack = await startStack(database, {}, {}, { sms: { carrierRetry: { baseDelaySeconds: 1 } } });
      adaId = await stack.api.createSolver({
        name: 'Ada Lovelace',
        email: 'ada@example.com',
        employment: 'employed',
        googleEmail: 'ada@example.com',
      });
      token = await stack.signIn('ada@example.com');
    });
    afterAll(async () => stack?.close());

    it('sends every text with ValidityPeriod from SMS_VALIDITY_SECONDS (default 900)', async () => {
      const { sessionId, customerPhone } = await escalate(['delivered']);
      await settled(sessionId);
      expect(smsTo(customerPhone).map((message) => message.validityPeriod)).toEqual([900]);
    });

    describe('temporary (status callback): sent again, at most twice after the first try', () => {
      it('30003 twice, then delivered: three texts of one delivery, each retry after the last one failed', async () => {
        const { sessionId, customerPhone } = await escalate(['30003', '30003', 'delivered']);
        const [delivery] = await settled(sessionId);
        const texts = smsTo(customerPhone);
        expect(texts).toHaveLength(3);
        expect(delivery).toMatchObject({ status: 'delivered', carrierRetries: 2, twilioSid: texts[2]!.sid, errorCode: null });
        // Never two in flight: each text was created after the one before had failed.
        for (const [earlier, later] of [
          [texts[0]!, texts[1]!],
          [texts[1]!, texts[2]!],
        ] as const) {
          const failedAt = twilio()
            .callbacks()
            .find((callback) => callback.params.MessageSid === earlier.sid && callback.params.MessageStatus === 'undelivered')!.sentAt;
          expect(later.dateCreated.getTime()).toBeGreaterThanOrEqual(failedAt);
        }
        const superseded = await db().select().from(smsSupersededMessages).where(eq(smsSupersededMessages.deliveryId, delivery!.id));
        expect(superseded.map((row) => row.twilioSid).sort()).toEqual([texts[0]!.sid, texts[1]!.sid].sort());

        const states = hostEventsOf(sessionId, 'sms.status_changed').map((event) => [
          event.data.status,
          event.data.errorClass,
          event.data.errorCode,
        ]);
        expect(states.filter(([status]) => status === 'queued')).toEqual([
          ['queued', 'temporary', '30003'],
          ['queued', 'temporary', '30003'],
        ]);
        // Host events are delivered in parallel: find each by its status, not by its place.
        expect(states.filter(([status]) => status === 'delivered')).toEqual([['delivered', null, null]]);
        expect((await stack.api.adminSession(sessionId)).body.sms).toMatchObject({
          status: 'delivered',
          errorCode: null,
          errorClass: null,
        });
      });

      it('ignores late and duplicate callbacks of a superseded attempt: no state change, no text', async () => {
        const { sessionId, customerPhone } = await escalate(['30008', 'delivered']);
        await settled(sessionId);
        const [first] = smsTo(customerPhone);
        const before = await deliveriesOf(sessionId);
        const eventsBefore = hostEventsOf(sessionId, 'sms.status_changed').length;
        for (const [status, extra] of [
          ['undelivered', { ErrorCode: '30008' }],
          ['sent', {}],
          ['undelivered', { ErrorCode: '30003' }],
        ] as const) {
          expect((await twilio().sendStatusCallback(first!.sid, status, extra)).responseStatus).toBe(204);
        }
        await settled(sessionId);
        expect(await deliveriesOf(sessionId)).toEqual(before);
        expect(smsTo(customerPhone)).toHaveLength(2);
        expect(hostEventsOf(sessionId, 'sms.status_changed')).toHaveLength(eventsBefore);
      });

      it('gives up after the third try: undelivered, temporary, in plain words', async () => {
        const { sessionId, customerPhone } = await escalate(['30003', '30017', '30001']);
        const [delivery] = await settled(sessionId);
        expect(smsTo(customerPhone)).toHaveLength(3);
        expect(delivery).toMatchObject({ status: 'undelivered', carrierRetries: 2, errorCode: '30001' });
        const sms = (await stack.api.adminSession(sessionId)).body.sms;
        expect(sms).toMatchObject({ status: 'undelivered', errorCode: '30001', errorClass: 'temporary' });
        expect(sms.error).toBe('Twilio’s queue for our number was full. Tried 3 times.');
      });
    });

    describe('not retried (status callback)', () => {
      it.each([
        ['recipient', '30006', 'undelivered', false],
        ['sender', '30034', 'undelivered', true],
        ['content', '30007', 'undelivered', true],
        ['expired', '30036', 'failed', false],
      ] as const)('%s (%s): one text, %s, the class on the state and the host event', async (errorClass, code, status, alerts) => {
        const outcome: MessageOutcome = status === 'failed' ? { errorCode: code, status } : code;
        const { sessionId, customerPhone } = await escalate([outcome, 'delivered']);
        const [delivery] = await settled(sessionId);
        expect(smsTo(customerPhone)).toHaveLength(1);
        expect(delivery).toMatchObject({ status, carrierRetries: 0, errorCode: code });
        const sms = (await stack.api.adminSession(sessionId)).body.sms;
        expect(sms).toMatchObject({ status, errorCode: code, errorClass });
        expect(sms.error).toMatch(/^[A-Z].*\.$/);
        expect(sms.error).not.toMatch(/\d{5}/);
        expect(hostEventsOf(sessionId, 'sms.status_changed').find((event) => event.data.status === status)?.data).toEqual({
          sessionId,
          status,
          error: sms.error,
          errorCode: code,
          errorClass,
        });
        expect(hostEventsOf(sessionId, 'sms.sender_problem').map((event) => event.data)).toEqual(
          alerts ? [{ sessionId, errorCode: code, errorClass, error: sms.error }] : [],
        );
      });
    });

    describe('refused when created', () => {
      it.each([
        ['recipient', '21614', () => stack.emulators.twilio.landlineNumber],
        ['recipient', '21211', () => stack.emulators.twilio.invalidNumber],
        ['opted_out', '21610', () => stack.emulators.twilio.unsubscribedNumber],
      ] as const)('%s (%s): failed at once, never retried, the same words as a callback', async (errorClass, code, number) => {
        const creates = () =>
          twilio()
            .requests('messages.create')
            .filter((request) => request.body?.To === number()).length;
        const before = creates();
        const { sessionId } = await escalateTo(number());
        const [delivery] = await settled(sessionId);
        expect(creates() - before).toBe(1);
        expect(delivery).toMatchObject({ status: 'failed', errorCode: code, attempts: 1 });
        const sms = (await stack.api.adminSession(sessionId)).body.sms;
        expect(sms).toMatchObject({ status: 'failed', errorCode: code, errorClass });
        expect(hostEventsOf(sessionId, 'sms.status_changed').find((event) => event.data.status === 'failed')?.data).toMatchObject({
          errorCode: code,
          errorClass,
        });
      });
    });

    it('sender (21606): a From the account does not own fails at once, alerts, and says so in plain words', async () => {
      const owned = { numbers: [{ phoneNumber: '+15005550199' }], services: [] };
      twilio().setSenders(owned);
      try {
        const { sessionId } = await escalate();
        const [delivery] = await settled(sessionId);
        expect(delivery).toMatchObject({ status: 'failed', errorCode: '21606', attempts: 1 });
        const sms = (await stack.api.adminSession(sessionId)).body.sms;
        expect(sms).toMatchObject({ status: 'failed', errorCode: '21606', errorClass: 'sender' });
        expect(sms.error).toBe('Our texting number cannot send texts (not an SMS-capable number of our Twilio account).');
        expect(hostEventsOf(sessionId, 'sms.sender_problem').map((event) => event.data)).toEqual([
          { sessionId, errorCode: '21606', errorClass: 'sender', error: sms.error },
        ]);
        expect(stack.logs.some((line) => line.includes('sms sender problem') && line.includes('TWILIO_FROM_NUMBER'))).toBe(true);
      } finally {
        twilio().reset();
      }
    });

    describe('the admin alert for sender problems', () => {
      it('is sent once per code per 10 minutes, not once per customer, with the fix in the log', async () => {
        const first = await escalate(['30032']);
        const second = await escalate(['30032']);
        await settled(first.sessionId);
        await settled(second.sessionId);
        const alerts = stack.host.uniqueEvents().filter((event) => event.type === 'sms.sender_problem' && event.data.errorCode === '30032');
        expect(alerts).toHaveLength(1);
        expect(alerts[0]!.data).toMatchObject({ errorClass: 'sender', error: expect.stringContaining('toll-free') });
        expect([first.sessionId, second.sessionId]).toContain(alerts[0]!.data.sessionId);
        const lines = stack.logs.filter((line) => line.includes('sms sender problem') && line.includes('30032'));
        expect(lines).toHaveLength(1);
        expect(lines[0]).toContain('toll-free verification');
        // Both customers still see why.
        for (const { sessionId } of [first, second]) {
          expect((await stack.api.adminSession(sessionId)).body.sms).toMatchObject({ errorCode: '30032', errorClass: 'sender' });
        }
      });
    });
  });
}
