import { randomUUID } from 'node:crypto';
import { and, count, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditEvents, endedSessionIds, sessions, solvers } from '../../backend/db/schema.ts';
import { SAVVYSOLVE_WEBHOOK_PATH } from '../../shared/index.ts';
import { ADMIN_TOKEN, startStack, type DatabaseChoice, type Stack } from './stack.ts';

const minutesFromNow = (minutes: number) => new Date(Date.now() + minutes * 60_000);
const iso = (minutes: number) => minutesFromNow(minutes).toISOString();

/**
 * Security round two: host events cannot undo access rules (a clock in the future, an older event, a routine
 * upsert after an admin's disable, a late upsert after an unknown session ended, odd `type` values), and every
 * field a host event changed is audited. Real HTTP, signed events, one database.
 */
export function describeHostAccessRules(database: DatabaseChoice) {
  describe(`host events cannot undo access rules on ${database}`, () => {
    let stack: Stack;
    let webhookUrl: string;
    const db = () => stack.backend.database.db;
    const send = (type: string, data: unknown, options?: Parameters<Stack['host']['sendWebhook']>[3]) =>
      stack.host.sendWebhook(webhookUrl, type, data, options);
    /** A correctly signed event (header time now) whose envelope `timestamp` is `timestamp`. */
    const sendWithEnvelopeTime = (type: string, data: unknown, timestamp: string) =>
      send(type, data, { body: JSON.stringify({ type, timestamp, data }) });
    const solverRow = async (email: string) => (await db().select().from(solvers).where(eq(solvers.email, email)))[0]!;
    const sessionRow = async (id: string) => (await db().select().from(sessions).where(eq(sessions.id, id)))[0];
    const counts = async () => ({
      sessions: (await db().select({ n: count() }).from(sessions))[0]!.n,
      solvers: (await db().select({ n: count() }).from(solvers))[0]!.n,
    });
    /** A new employed solver with a Google email, known to the backend through the host; its sign-in token. */
    async function newSolver(label: string) {
      const email = `${label}-${randomUUID().slice(0, 8)}@example.com`;
      const solver = { email, name: `Solver ${label}`, employment: 'employed', googleEmail: email } as const;
      expect((await sendWithEnvelopeTime('solver.upserted', solver, iso(-10))).body.outcome).toBe('created');
      return { solver, token: await stack.signIn(email) };
    }
    const tokenWorks = async (token: string) => (await stack.api.call('GET', '/api/sessions', { token })).status === 200;
    const upserted = (solverEmail: string, overrides: Record<string, unknown> = {}) => ({
      sessionId: randomUUID(),
      solverEmail,
      customerName: 'Grace Hopper',
      customerPhone: '+14155550123',
      status: 'active' as 'active' | 'ended',
      occurredAt: iso(-1),
      ...overrides,
    });

    beforeAll(async () => {
      stack = await startStack(database);
      webhookUrl = `${stack.backend.url}${SAVVYSOLVE_WEBHOOK_PATH}`;
    });
    afterAll(async () => stack?.close());

    describe('timestamps more than 5 minutes ahead', () => {
      it.each([
        [
          'an envelope timestamp in 2099',
          'solver.upserted',
          'envelope',
          /^timestamp: 2099-01-01T00:00:00Z is more than 5 minutes in the future/,
        ],
        [
          'a session occurredAt 6 minutes ahead',
          'session.upserted',
          'session',
          /^data\.occurredAt: .* is more than 5 minutes in the future/,
        ],
        ['an end occurredAt 6 minutes ahead', 'session.ended', 'end', /^data\.occurredAt: .* is more than 5 minutes in the future/],
      ])('refuses %s with 400 naming the field, storing nothing', async (_case, type, kind, message) => {
        const { solver } = await newSolver('clock');
        const before = await counts();
        const data =
          kind === 'envelope'
            ? { ...solver, disabled: false, name: 'Renamed From The Future' }
            : kind === 'session'
              ? upserted(solver.email, { occurredAt: iso(6) })
              : { sessionId: randomUUID(), occurredAt: iso(6) };
        const result = await sendWithEnvelopeTime(type, data, kind === 'envelope' ? '2099-01-01T00:00:00Z' : iso(0));
        expect(result.status).toBe(400);
        expect(result.body.error.message).toMatch(message);
        expect(await counts()).toEqual(before);
        expect((await solverRow(solver.email)).name).toBe(solver.name);
        expect(await db().select().from(endedSessionIds)).toHaveLength(0);
      });

      it('accepts a host clock up to 5 minutes ahead, and a later disable still applies', async () => {
        const { solver, token } = await newSolver('ahead');
        expect((await sendWithEnvelopeTime('solver.upserted', { ...solver, name: 'Slightly Ahead' }, iso(4))).body.outcome).toBe('updated');
        const disable = await sendWithEnvelopeTime('solver.upserted', { ...solver, disabled: true }, iso(0));
        expect(disable.body.outcome).toBe('updated');
        expect(await solverRow(solver.email)).toMatchObject({ disabled: true, name: 'Slightly Ahead', disabledBy: 'savvysolve' });
        expect(await tokenWorks(token)).toBe(false);
      });
    });

    describe('a change that removes access applies whatever the order', () => {
      it.each([
        ['disabled', { disabled: true }, { disabled: true }],
        ['switched to contract', { employment: 'contract' }, { employment: 'contract' }],
        ['Google email removed', { googleEmail: null }, { googleEmail: null }],
      ])('applies "%s" from an event older than the state stored, and revokes the tokens', async (_case, change, expected) => {
        const { solver, token } = await newSolver('order');
        expect((await sendWithEnvelopeTime('solver.upserted', { ...solver, name: 'Newest Name' }, iso(0))).body.outcome).toBe('updated');
        expect(await tokenWorks(token)).toBe(true);
        const older = await sendWithEnvelopeTime('solver.upserted', { ...solver, name: 'Older Name', ...change }, iso(-2));
        expect(older.body.outcome).toBe('updated');
        // Only the restriction applies; the older name does not.
        expect(await solverRow(solver.email)).toMatchObject({ name: 'Newest Name', ...expected });
        expect(await tokenWorks(token)).toBe(false);
        const [audit] = await db()
          .select()
          .from(auditEvents)
          .where(and(eq(auditEvents.action, 'solver.updated'), eq(auditEvents.solverId, (await solverRow(solver.email)).id)))
          .orderBy(auditEvents.createdAt)
          .then((rows) => rows.slice(-1));
        expect(audit!.details).toMatchObject({ fields: Object.keys(change), tokensRevoked: true, fromOlderEvent: true });
      });

      it('still answers stale for an older event that would give access back', async () => {
        const { solver } = await newSolver('stale');
        await sendWithEnvelopeTime('solver.upserted', { ...solver, disabled: true }, iso(0));
        const older = await sendWithEnvelopeTime('solver.upserted', { ...solver, disabled: false }, iso(-2));
        expect(older.body.outcome).toBe('stale');
        expect((await solverRow(solver.email)).disabled).toBe(true);
      });
    });

    describe("an admin's disable", () => {
      it('is not undone by a routine host upsert; the admin view shows who disabled whom', async () => {
        const { solver } = await newSolver('admin-disable');
        const { id } = await solverRow(solver.email);
        const patch = await stack.api.call('PATCH', `/api/admin/solvers/${id}`, { json: { disabled: true }, token: ADMIN_TOKEN });
        expect(patch).toMatchObject({ status: 200, body: { disabled: true, disabledBy: 'admin' } });

        const routine = await sendWithEnvelopeTime('solver.upserted', { ...solver, name: 'Host Rename', disabled: false }, iso(0));
        expect(routine.body.outcome).toBe('updated');
        expect(await solverRow(solver.email)).toMatchObject({ name: 'Host Rename', disabled: true, disabledBy: 'admin' });
        const refused = await db()
          .select()
          .from(auditEvents)
          .where(and(eq(auditEvents.action, 'solver.enable_refused'), eq(auditEvents.solverId, id)));
        expect(refused).toHaveLength(1);
        expect(refused[0]).toMatchObject({ actor: 'savvysolve', details: { disabledBy: 'admin' } });

        const listed = (await stack.api.call('GET', '/api/admin/solvers', { token: ADMIN_TOKEN })).body.solvers;
        const shown = listed.find((entry: { id: string }) => entry.id === id);
        expect(shown).toMatchObject({ disabled: true, disabledBy: 'admin' });
        expect(Date.parse(shown.disabledAt)).toBeGreaterThan(Date.now() - 60_000);

        const enable = await stack.api.call('PATCH', `/api/admin/solvers/${id}`, { json: { disabled: false }, token: ADMIN_TOKEN });
        expect(enable).toMatchObject({ status: 200, body: { disabled: false, disabledBy: null, disabledAt: null } });
      });

      it('lets the host enable a solver it disabled itself, but not once an admin disabled them too', async () => {
        const { solver } = await newSolver('host-disable');
        const { id } = await solverRow(solver.email);
        await sendWithEnvelopeTime('solver.upserted', { ...solver, disabled: true }, iso(-3));
        expect(await solverRow(solver.email)).toMatchObject({ disabled: true, disabledBy: 'savvysolve' });
        expect((await sendWithEnvelopeTime('solver.upserted', { ...solver, disabled: false }, iso(-2))).body.outcome).toBe('updated');
        expect(await solverRow(solver.email)).toMatchObject({ disabled: false, disabledBy: null });

        await sendWithEnvelopeTime('solver.upserted', { ...solver, disabled: true }, iso(-1));
        await stack.api.call('PATCH', `/api/admin/solvers/${id}`, { json: { disabled: true }, token: ADMIN_TOKEN });
        expect((await solverRow(solver.email)).disabledBy).toBe('admin');
        expect((await sendWithEnvelopeTime('solver.upserted', { ...solver, disabled: false }, iso(0))).body.outcome).toBe('unchanged');
        expect((await solverRow(solver.email)).disabled).toBe(true);
      });
    });

    describe('session.ended for an unknown id (a tombstone)', () => {
      it('keeps an older session.upserted from creating the session, and a newer one too (ended is never reopened)', async () => {
        const { solver, token } = await newSolver('tombstone');
        const data = upserted(solver.email, { occurredAt: iso(-3) });
        expect((await sendWithEnvelopeTime('session.ended', { sessionId: data.sessionId, occurredAt: iso(-2) }, iso(0))).body.outcome).toBe(
          'not_found',
        );
        expect((await send('session.upserted', data)).body.outcome).toBe('stale');
        expect((await send('session.upserted', { ...data, occurredAt: iso(-1) })).body.outcome).toBe('ended');
        expect(await sessionRow(data.sessionId)).toBeUndefined();

        // The lazy pull does not create it either: the click answers 404.
        stack.host.putSession(data);
        const click = await stack.api.call('POST', '/api/meet/links', { json: { sessionId: data.sessionId }, token });
        expect(click.status).toBe(404);
        expect(await sessionRow(data.sessionId)).toBeUndefined();
      });
    });

    describe('session.ended racing an older session.upserted', () => {
      it('never leaves the session active, whichever transaction goes first', async () => {
        const { solver } = await newSolver('race');
        const ids = Array.from({ length: 10 }, () => randomUUID());
        const answers = await Promise.all(
          ids.flatMap((sessionId) => [
            send('session.ended', { sessionId, occurredAt: iso(-1) }),
            send('session.upserted', upserted(solver.email, { sessionId, occurredAt: iso(-2) })),
          ]),
        );
        expect(answers.every((answer) => answer.status === 200)).toBe(true);
        for (const sessionId of ids) expect((await sessionRow(sessionId))?.status ?? 'never created').not.toBe('active');
      });
    });

    describe('event types', () => {
      it.each(['__proto__', 'constructor', 'toString', 'hasOwnProperty'])('ignores the type %s with a 2xx', async (type) => {
        const result = await send(type, { sessionId: randomUUID() });
        expect(result).toMatchObject({ status: 200, body: { received: true, outcome: 'ignored' } });
      });
    });

    describe('names', () => {
      it.each([
        ['a right-to-left override', '\u202E'],
        ['a zero-width space', '\u200B'],
        ['a zero-width joiner', '\u200D'],
        ['a first-strong isolate', '\u2068'],
      ])('refuses %s in a name from the host and from the admin API, with 400 naming the field', async (_case, character) => {
        const { solver } = await newSolver('names');
        const before = await counts();
        const renamed = await send('solver.upserted', { ...solver, name: `Ada${character}Lovelace` });
        expect(renamed.status).toBe(400);
        expect(renamed.body.error.message).toMatch(/^data\.name: name must not contain invisible format characters/);
        const customer = await send('session.upserted', upserted(solver.email, { customerName: `Grace${character} Hopper` }));
        expect(customer.status).toBe(400);
        expect(customer.body.error.message).toMatch(/^data\.customerName: customerName must not contain invisible format characters/);
        const admin = await stack.api.call('POST', '/api/admin/sessions', {
          json: { solverEmail: solver.email, customerName: `${character}Grace`, customerPhone: '+14155550123' },
          token: ADMIN_TOKEN,
        });
        expect(admin.status).toBe(400);
        expect(admin.body.error.message).toMatch(/customerName: customerName must not contain invisible format characters/);
        expect(await counts()).toEqual(before);
        expect((await solverRow(solver.email)).name).toBe(solver.name);
      });

      it('still accepts names in any script', async () => {
        const { solver } = await newSolver('scripts');
        for (const name of ['Zoë Ñúñez', '李小龍', 'محمد علي', 'Ólafur Arnalds']) {
          expect((await send('solver.upserted', { ...solver, name })).status).toBe(200);
          expect((await solverRow(solver.email)).name).toBe(name);
        }
      });
    });

    describe('audit of host changes', () => {
      it('records every field one event changed: a reassignment and a phone change both', async () => {
        const [{ solver: ada }, { solver: bob }] = [await newSolver('audit-a'), await newSolver('audit-b')];
        const data = upserted(ada.email, { occurredAt: iso(-2) });
        await send('session.upserted', data);
        const moved = await send('session.upserted', {
          ...data,
          solverEmail: bob.email,
          customerPhone: '+14155550999',
          occurredAt: iso(-1),
        });
        expect(moved.body.outcome).toBe('updated');
        const audit = await db().select().from(auditEvents).where(eq(auditEvents.sessionId, data.sessionId)).orderBy(auditEvents.createdAt);
        const bobId = (await solverRow(bob.email)).id;
        expect(audit.find((entry) => entry.action === 'session.reassigned')).toMatchObject({ details: { toSolverId: bobId } });
        expect(audit.find((entry) => entry.action === 'session.updated')).toMatchObject({
          actor: 'savvysolve',
          details: { fields: ['customerPhone'] },
        });
      });
    });
  });
}
