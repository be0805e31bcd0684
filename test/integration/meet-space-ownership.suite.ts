import { randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { meetSpaces, sessions } from '../../backend/db/schema.ts';
import { SAVVYSOLVE_WEBHOOK_PATH } from '../../shared/index.ts';
import { eventually, startStack, type DatabaseChoice, type Stack } from './stack.ts';

const ADA = { email: 'ada@example.com', name: 'Ada Lovelace', employment: 'employed', googleEmail: 'ada@example.com' } as const;
const BOB = { email: 'bob@example.com', name: 'Bob Byron', employment: 'employed', googleEmail: 'bob@example.com' } as const;

/**
 * Security round two: each Meet space is acted on as the Google user who owns it (the Calendar event's organizer or
 * the capturing solver) for access, polling and retirement, also after the session moved to another solver; a
 * non-owner's 403 is named as such; a room another session holds cannot be captured. Real googleapis against the
 * Meet emulator (which checks ownership as Google does), real HTTP, one database.
 */
export function describeMeetSpaceOwnership(database: DatabaseChoice) {
  describe(`Meet space ownership on ${database}`, () => {
    let stack: Stack;
    const tokens = new Map<string, string>();
    let phone = 14155554000;
    const db = () => stack.backend.database.db;
    const webhook = (type: string, data: unknown) => stack.host.sendWebhook(`${stack.backend.url}${SAVVYSOLVE_WEBHOOK_PATH}`, type, data);
    const spaceRow = async (sessionId: string) => (await db().select().from(meetSpaces).where(eq(meetSpaces.sessionId, sessionId)))[0];
    const sessionRow = async (sessionId: string) => (await db().select().from(sessions).where(eq(sessions.id, sessionId)))[0]!;
    const smsTo = (customerPhone: string) => stack.emulators.twilio.messages().filter((message) => message.to === customerPhone);
    /** A room `owner` opened at meet.google.com/new in their browser; its link. */
    const openedBy = (owner: string) => `https://meet.google.com/${stack.emulators.google.meet.openRoom(owner).meetingCode}`;
    const codeOf = (meetLink: string) => meetLink.split('/').at(-1)!;

    /** A session of `solverEmail` whose Calendar attempt fell back (what capture needs). */
    async function fallenBack(solverEmail: string, occurredAt = new Date(Date.now() - 60_000)) {
      const customerPhone = `+${(phone += 1)}`;
      const sessionId = randomUUID();
      const data = {
        sessionId,
        solverEmail,
        customerName: 'Grace Hopper',
        customerPhone,
        status: 'active',
        occurredAt: occurredAt.toISOString(),
      };
      expect((await webhook('session.upserted', data)).status).toBe(200);
      stack.emulators.google.faults.set('events.insert', { status: 503 });
      const link = await stack.api.call('POST', '/api/meet/links', { json: { sessionId }, token: tokens.get(solverEmail) });
      stack.emulators.google.faults.clear();
      expect(link.body.usedFallback).toBe(true);
      return { sessionId, customerPhone, data };
    }
    const capture = (sessionId: string, meetLink: string, solverEmail: string) =>
      stack.api.call('POST', `/api/meet/links/${sessionId}/capture`, { json: { meetLink }, token: tokens.get(solverEmail) });

    beforeAll(async () => {
      stack = await startStack(
        database,
        {},
        {},
        { meetSpace: { retryBaseDelayMs: 20, pollCadence: { fastSeconds: 1, slowSeconds: 1 }, retireConfirmSeconds: 3 } },
      );
      for (const solver of [ADA, BOB]) {
        await webhook('solver.upserted', solver);
        tokens.set(solver.email, await stack.signIn(solver.email));
      }
    });
    afterAll(async () => stack?.close());
    beforeEach(() => stack.emulators.clearFaults());

    it('retires a captured room as its owner after the session moved to another solver (Google refuses the new one)', async () => {
      const { sessionId, data } = await fallenBack(ADA.email);
      const room = openedBy(ADA.email);
      expect((await capture(sessionId, room, ADA.email)).status).toBe(200);
      await eventually(async () => (await spaceRow(sessionId))?.accessState === 'applied', 'the room opened');
      expect(await spaceRow(sessionId)).toMatchObject({ ownerEmail: ADA.email });
      expect(stack.emulators.google.meet.space(codeOf(room))?.config?.accessType).toBe('OPEN');

      expect(
        (await webhook('session.upserted', { ...data, solverEmail: BOB.email, occurredAt: new Date().toISOString() })).body.outcome,
      ).toBe('updated');
      await webhook('session.ended', { sessionId, occurredAt: new Date().toISOString() });
      const retired = await eventually(async () => {
        const row = await spaceRow(sessionId);
        return row?.retireState === 'done' || row?.retireState === 'failed' ? row : undefined;
      }, 'the retirement');
      expect(retired).toMatchObject({ retireState: 'done', retireProblem: null, ownerEmail: ADA.email });
      expect(stack.emulators.google.meet.space(codeOf(room))?.config?.accessType).toBe('RESTRICTED');
    });

    it('names a 403 from a room another Google account owns as its own problem, and still texts the customer', async () => {
      const { sessionId, customerPhone } = await fallenBack(ADA.email);
      // The solver opened the room signed in to another account than their Workspace one.
      const room = openedBy('ada.personal@gmail.com');
      expect((await capture(sessionId, room, ADA.email)).status).toBe(200);
      const failed = await eventually(async () => {
        const row = await spaceRow(sessionId);
        return row?.accessState === 'failed' ? row : undefined;
      }, 'the access step failed');
      expect(failed.accessProblem).toMatch(/belongs to another Google account than the one SavvySolve Meet acts as/);
      expect(failed.accessProblem).not.toMatch(/Workspace admin has not yet allowed/);
      await eventually(() => smsTo(customerPhone).length === 1, 'the SMS');
      expect(stack.emulators.google.meet.space(codeOf(room))?.config?.accessType).toBe('TRUSTED');
    });

    it('refuses to capture a room another session holds, texting no one', async () => {
      const first = await fallenBack(ADA.email);
      const room = openedBy(ADA.email);
      expect((await capture(first.sessionId, room, ADA.email)).status).toBe(200);
      await eventually(() => smsTo(first.customerPhone).length === 1, "the first customer's SMS");

      const second = await fallenBack(BOB.email);
      const refused = await capture(second.sessionId, room, BOB.email);
      expect(refused.status).toBe(409);
      expect(refused.body.error.message).toMatch(/already the call of another session; open a new room/);
      expect((await sessionRow(second.sessionId)).meetLink).toBeNull();
      expect(await spaceRow(second.sessionId)).toBeUndefined();
      // Its own session capturing it again is no conflict: the stored link wins.
      expect((await capture(first.sessionId, room, ADA.email)).body).toMatchObject({ isExisting: true });
      expect(smsTo(second.customerPhone)).toHaveLength(0);
    });

    it('gives a room captured by two sessions at once to exactly one of them', async () => {
      const [first, second] = [await fallenBack(ADA.email), await fallenBack(BOB.email)];
      const room = openedBy(ADA.email);
      const answers = await Promise.all([capture(first.sessionId, room, ADA.email), capture(second.sessionId, room, BOB.email)]);
      expect(answers.map((answer) => answer.status).sort()).toEqual([200, 409]);
      const holders = [await sessionRow(first.sessionId), await sessionRow(second.sessionId)].filter((row) => row.meetLink === room);
      expect(holders).toHaveLength(1);
    });
  });
}
