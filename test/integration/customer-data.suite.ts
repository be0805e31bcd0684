import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRetentionWorker } from '../../backend/customers/retention-job.ts';
import { auditEvents, hostEvents, sessions } from '../../backend/db/schema.ts';
import { createMemoryLogger } from '../../backend/logger.ts';
import { ADMIN_TOKEN, eventually, startStack, type DatabaseChoice, type Stack } from './stack.ts';

// Twilio refuses this number: a failed SMS, a status event to SavvySolve and audit entries besides the link's.
const REFUSED_NUMBER = '+14155550199';
const TABLES = ['sessions', 'sms_deliveries', 'host_events', 'audit_events', 'sms_alerts', 'sms_superseded_messages'] as const;

/** Customer data lifecycle: the retention job and the erasure of one customer, on the real stack. */
export function describeCustomerData(database: DatabaseChoice) {
  describe(`customer data on ${database}`, () => {
    let stack: Stack;
    let token: string;
    const ids: Record<'old' | 'recent' | 'active', string> = { old: '', recent: '', active: '' };

    /** Rows of each table whose text holds `needle` anywhere (a name or a number, however it is stored). */
    const rowsHolding = async (needle: string) => {
      const counts: Record<string, number> = {};
      for (const table of TABLES) {
        const result = await stack.backend.database.db.execute<{ n: number }>(
          sql`select count(*)::int as n from ${sql.identifier(table)} t where row_to_json(t)::text like ${`%${needle}%`}`,
        );
        counts[table] = Number((Array.isArray(result) ? result : (result as unknown as { rows: { n: number }[] }).rows)[0]!.n);
      }
      return counts;
    };
    const none = Object.fromEntries(TABLES.map((table) => [table, 0]));
    const auditActions = async (sessionId: string) =>
      (await stack.backend.database.db.select().from(auditEvents).where(eq(auditEvents.sessionId, sessionId)))
        .map((row) => row.action)
        .sort();

    async function escalate(customerName: string, customerPhone: string, end: boolean) {
      const solverId = (await stack.api.call('GET', '/api/admin/solvers', { token: ADMIN_TOKEN })).body.solvers[0].id;
      const sessionId = await stack.api.createSession({ solverId, customerName, customerPhone });
      expect((await stack.api.call('POST', '/api/meet/links', { json: { sessionId }, token })).body).toMatchObject({ success: true });
      await eventually(async () => {
        const session = (await stack.api.adminSession(sessionId)).body;
        return (
          session.sms?.status !== 'queued' &&
          session.hostEvents.length > 0 &&
          session.hostEvents.every((event: { status: string }) => event.status !== 'pending')
        );
      }, `${customerName}'s SMS and events settled`);
      if (end) expect((await stack.api.call('POST', `/api/admin/sessions/${sessionId}/end`, { token: ADMIN_TOKEN })).status).toBe(200);
      return sessionId;
    }

    beforeAll(async () => {
      stack = await startStack(database, {}, { twilio: { invalidNumbers: [REFUSED_NUMBER] } });
      await stack.api.createSolver({ name: 'Ada', email: 'ada@example.com', employment: 'employed', googleEmail: 'ada@example.com' });
      token = await stack.signIn('ada@example.com');
      ids.old = await escalate('Grace Hopper', REFUSED_NUMBER, true);
      ids.recent = await escalate('Alan Turing', '+14155550124', true);
      ids.active = await escalate('Edsger Dijkstra', '+14155550125', false);
      // Grace's session ended 31 days ago.
      await stack.backend.database.db
        .update(sessions)
        .set({ endedAt: new Date(Date.now() - 31 * 24 * 3600 * 1000) })
        .where(eq(sessions.id, ids.old));
    });
    afterAll(async () => stack?.close());

    it('schedules the retention job with pg-boss (one run a day across instances)', async () => {
      const result = await stack.backend.database.db.execute<{ cron: string }>(
        sql`select cron from pgboss.schedule where name = 'customers.retention'`,
      );
      const rows = Array.isArray(result) ? result : (result as unknown as { rows: { cron: string }[] }).rows;
      expect(rows.map((row) => row.cron)).toEqual(['17 3 * * *']);
    });

    it('erases the customers of sessions ended more than 30 days ago, keeping the audit trail', async () => {
      expect(await rowsHolding('4155550199')).toMatchObject({ sessions: 1, sms_deliveries: 1 });
      expect(await rowsHolding('Grace Hopper')).toMatchObject({ sessions: 1, sms_deliveries: 0 });
      const payloads = async () =>
        (await stack.backend.database.db.select().from(hostEvents).where(eq(hostEvents.sessionId, ids.old))).map((row) => row.data);
      const events = (await payloads()).length;
      expect(events).toBeGreaterThanOrEqual(2);
      expect((await payloads()).map((data) => data.sessionId)).toEqual(Array(events).fill(ids.old));
      const actionsBefore = await auditActions(ids.old);
      const { logger, lines } = createMemoryLogger();

      await createRetentionWorker({ db: stack.backend.database.db, retentionDays: 30, log: logger })(
        {},
        { attempt: 1, isLastAttempt: false },
      );

      expect(await rowsHolding('4155550199')).toEqual(none);
      expect(await rowsHolding('Grace Hopper')).toEqual(none);
      expect(await payloads()).toEqual(Array(events).fill({}));
      expect(await auditActions(ids.old)).toEqual(actionsBefore);
      const old = (await stack.api.adminSession(ids.old)).body;
      expect(old).toMatchObject({ customerName: '(erased)', status: 'ended', sms: { status: 'failed' } });
      // The failure's reason is ours (a sentence, not the number): it stays.
      expect(old.sms.error).toMatch(/not a valid phone number/);
      expect(old.meetLink).toMatch(/^https:\/\//);
      const erasedLine = () => JSON.parse(lines.at(-1)!);
      expect(erasedLine()).toMatchObject({
        message: 'customer data past retention erased',
        sessions: 1,
        smsDeliveries: 1,
        hostEvents: events,
      });
      // The session ended today and the active one keep their customers.
      expect((await stack.api.adminSession(ids.recent)).body.customerName).toBe('Alan Turing');
      expect((await stack.api.adminSession(ids.active)).body.customerName).toBe('Edsger Dijkstra');

      // A second run finds nothing left to erase.
      await createRetentionWorker({ db: stack.backend.database.db, retentionDays: 30, log: logger })(
        {},
        { attempt: 1, isLastAttempt: false },
      );
      expect(erasedLine()).toMatchObject({ sessions: 0, smsDeliveries: 0, hostEvents: 0 });
    });

    it('erases one customer now through the admin API, found by a national number, with the counts', async () => {
      const erase = (phone: unknown) => stack.api.call('POST', '/api/admin/customers/erase', { json: { phone }, token: ADMIN_TOKEN });
      const refused = await erase('not a number');
      expect(refused.status).toBe(400);
      expect(refused.body.error.message).toMatch(/^phone: /);
      expect((await erase('+1415')).status).toBe(400);
      expect(await rowsHolding('Alan Turing')).toMatchObject({ sessions: 1 });

      const erased = await erase('(415) 555-0124');
      expect(erased.status).toBe(200);
      expect(erased.body.erased).toMatchObject({ sessions: 1, smsDeliveries: 1 });
      expect(erased.body.erased.hostEvents).toBeGreaterThanOrEqual(1);
      expect(await rowsHolding('4155550124')).toEqual(none);
      expect(await rowsHolding('Alan Turing')).toEqual(none);
      expect((await erase('+14155550124')).body.erased).toEqual({ sessions: 0, smsDeliveries: 0, hostEvents: 0 });
      expect((await stack.api.adminSession(ids.active)).body.customerName).toBe('Edsger Dijkstra');
      expect((await stack.api.call('POST', '/api/admin/customers/erase', { json: { phone: '+14155550125' } })).status).toBe(401);
    });
  });
}
