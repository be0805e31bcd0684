import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sessions } from '../../backend/db/schema.ts';
import { MEET_REASONS, SAVVYSOLVE_WEBHOOK_PATH } from '../../shared/index.ts';
import { ADMIN_TOKEN, LIVE_POLLS, settle, startStack, type DatabaseChoice, type Stack } from './stack.ts';

type Kind = 'employed' | 'contract' | 'no Google email' | 'switched to contract mid-token' | 'disabled';
type Action = 'create' | 'capture' | 'resend';

const ALLOWED = { create: 200, capture: 200, resend: 200 };
const EXPECTED: Record<Kind, Record<Action, number> | { status: number; message: RegExp }> = {
  employed: ALLOWED,
  contract: { status: 403, message: new RegExp(MEET_REASONS.notEmployed) },
  'no Google email': { status: 403, message: new RegExp(MEET_REASONS.noGoogleEmail) },
  'switched to contract mid-token': { status: 401, message: /Your access changed since you signed in/ },
  disabled: { status: 403, message: /account is disabled/ },
};
const KINDS = Object.keys(EXPECTED) as Kind[];
const ACTIONS: Action[] = ['create', 'capture', 'resend'];

/** One authorization policy for every Meet action: action × solver → answer, and nothing sent when refused. */
export function describeMeetPolicy(database: DatabaseChoice) {
  describe(`Meet action policy on ${database}`, () => {
    let stack: Stack;
    const solvers = new Map<Kind, { id: string; token: string; email: string }>();
    let phone = 14155552000;

    const admin = (method: string, path: string, json?: unknown) => stack.api.call(method, path, { json, token: ADMIN_TOKEN });
    /** A session of `kind`'s solver in the state `action` needs: fresh, fallen back, or with a stored link. */
    async function sessionFor(kind: Kind, action: Action) {
      const customerPhone = `+${(phone += 1)}`;
      const id = await stack.api.createSession({ solverId: solvers.get(kind)!.id, customerName: 'Grace Hopper', customerPhone });
      const state =
        action === 'capture'
          ? { meetLinkSource: 'fallback' as const }
          : action === 'resend'
            ? { meetLink: 'https://meet.google.com/abc-defg-hij', meetLinkSource: 'calendar' as const }
            : {};
      if (action !== 'create') await stack.backend.database.db.update(sessions).set(state).where(eq(sessions.id, id));
      return { id, customerPhone };
    }
    const call = (action: Action, sessionId: string, token: string) =>
      action === 'create'
        ? stack.api.call('POST', '/api/meet/links', { json: { sessionId }, token })
        : action === 'capture'
          ? stack.api.call('POST', `/api/meet/links/${sessionId}/capture`, {
              json: { meetLink: 'https://meet.google.com/cap-ture-abc' },
              token,
            })
          : stack.api.call('POST', `/api/meet/links/${sessionId}/resend`, { token });

    beforeAll(async () => {
      stack = await startStack(database);
      const emails: Record<Kind, string> = {
        employed: 'ada@example.com',
        contract: 'carl@example.com',
        'no Google email': 'nina@example.com',
        'switched to contract mid-token': 'bob@example.com',
        disabled: 'dora@example.com',
      };
      for (const kind of KINDS) {
        const email = emails[kind];
        const id = await stack.api.createSolver({
          name: kind,
          email,
          employment: kind === 'contract' ? 'contract' : 'employed',
          googleEmail: kind === 'no Google email' ? null : email,
        });
        solvers.set(kind, { id, email, token: await stack.signIn(email) });
      }
      // After sign-in: the token was issued while the solver could use Meet.
      expect(
        (await admin('PATCH', `/api/admin/solvers/${solvers.get('switched to contract mid-token')!.id}`, { employment: 'contract' }))
          .status,
      ).toBe(200);
      expect((await admin('PATCH', `/api/admin/solvers/${solvers.get('disabled')!.id}`, { disabled: true })).status).toBe(200);
    });
    afterAll(async () => stack?.close());

    for (const kind of KINDS) {
      for (const action of ACTIONS) {
        it(`${action} by a solver who is ${kind}`, async () => {
          const { id, customerPhone } = await sessionFor(kind, action);
          const eventsBefore = stack.emulators.google.calendar.events().length;
          const result = await call(action, id, solvers.get(kind)!.token);
          const expected = EXPECTED[kind];
          if ('status' in expected) {
            expect(result.status).toBe(expected.status);
            expect(result.body.error.message).toMatch(expected.message);
            const settled = await settle(stack, id, LIVE_POLLS);
            expect(settled.sms).toHaveLength(0);
            expect(stack.emulators.google.calendar.events().length).toBe(eventsBefore);
            const row = (await stack.backend.database.db.select().from(sessions).where(eq(sessions.id, id)))[0]!;
            expect(row.meetLink).toBe(action === 'resend' ? 'https://meet.google.com/abc-defg-hij' : null);
          } else {
            expect(result.status).toBe(expected[action]);
          }
        });
      }
    }

    it('refuses capture on a session that never fell back, attaching nothing', async () => {
      const { id } = await sessionFor('employed', 'create');
      const result = await call('capture', id, solvers.get('employed')!.token);
      expect(result.status).toBe(409);
      expect((await stack.backend.database.db.select().from(sessions).where(eq(sessions.id, id)))[0]!.meetLink).toBeNull();
    });

    it("revokes a solver's tokens at once when the SavvySolve app disables them, and refuses their sign-in", async () => {
      const email = 'eve@example.com';
      const profile = { email, name: 'Eve', employment: 'employed', googleEmail: email };
      await stack.host.sendWebhook(`${stack.backend.url}${SAVVYSOLVE_WEBHOOK_PATH}`, 'solver.upserted', profile);
      const token = await stack.signIn(email);
      expect((await stack.api.call('GET', '/api/meet/can-use', { token })).status).toBe(200);
      const disabled = await stack.host.sendWebhook(`${stack.backend.url}${SAVVYSOLVE_WEBHOOK_PATH}`, 'solver.upserted', {
        ...profile,
        disabled: true,
      });
      expect(disabled.body.outcome).toBe('updated');
      expect((await stack.api.call('GET', '/api/meet/can-use', { token })).status).toBe(403);
      const signIn = await stack.api.call('POST', '/api/auth/session', {
        json: {
          googleAccessToken: stack.emulators.google.issueAccessToken({ email, audience: 'savvysolve-ext.apps.googleusercontent.com' }),
        },
      });
      expect(signIn.status).toBe(403);
      expect(signIn.body.error.message).toMatch(/disabled/);
    });

    it('keeps one Google account to one solver: a taken Google email is a clear 409', async () => {
      const taken = await stack.api.call('POST', '/api/admin/solvers', {
        json: { name: 'Copy', email: 'copy@example.com', employment: 'employed', googleEmail: 'ADA@example.com' },
        token: ADMIN_TOKEN,
      });
      expect(taken.status).toBe(409);
      expect(taken.body.error.message).toMatch(/googleEmail: ada@example.com is already the Google email of another solver/);
      const viaHost = await stack.host.sendWebhook(`${stack.backend.url}${SAVVYSOLVE_WEBHOOK_PATH}`, 'solver.upserted', {
        email: 'copy@example.com',
        name: 'Copy',
        employment: 'employed',
        googleEmail: 'ada@example.com',
      });
      expect(viaHost.status).toBe(409);
      expect(viaHost.body.error.message).toMatch(/data\.googleEmail/);
    });
  });
}
