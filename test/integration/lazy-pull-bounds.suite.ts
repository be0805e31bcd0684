import { randomUUID } from 'node:crypto';
import { count, eq } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { sessions } from '../../backend/db/schema.ts';
import { PULL_BUDGET } from '../../backend/host/bounded-pull.ts';
import { SAVVYSOLVE_WEBHOOK_PATH } from '../../shared/index.ts';
import { startStack, type DatabaseChoice, type Stack } from './stack.ts';

/**
 * Security round two: the lazy pull cannot be amplified (one pull in flight per id, unknown ids remembered, a
 * per-solver budget before the pull, none for a solver the Meet policy refuses) nor grow the backend (no redirects,
 * 64 KiB at most). Real HTTP against the strict SavvySolve host emulator, one database.
 */
export function describeLazyPullBounds(database: DatabaseChoice) {
  describe(`bounded lazy pulls on ${database}`, () => {
    let stack: Stack;
    const db = () => stack.backend.database.db;
    const pullsOf = (sessionId: string) => stack.host.requests('sessions.get').filter((request) => request.path.endsWith(sessionId)).length;
    const stored = async (sessionId: string) => (await db().select({ n: count() }).from(sessions).where(eq(sessions.id, sessionId)))[0]!.n;
    const get = (sessionId: string, token: string) => stack.api.call('GET', `/api/sessions/${sessionId}`, { token });
    const click = (sessionId: string, token: string) => stack.api.call('POST', '/api/meet/links', { json: { sessionId }, token });
    const session = (solverEmail: string) => ({
      sessionId: randomUUID(),
      solverEmail,
      customerName: 'Grace Hopper',
      customerPhone: '+14155550123',
      status: 'active' as const,
      occurredAt: new Date(Date.now() - 60_000).toISOString(),
    });
    /** A new solver known through the host (each test gets its own pull budget); their email and token. */
    async function newSolver(employment: 'employed' | 'contract' = 'employed') {
      const email = `pull-${randomUUID().slice(0, 8)}@example.com`;
      const webhookUrl = `${stack.backend.url}${SAVVYSOLVE_WEBHOOK_PATH}`;
      const created = await stack.host.sendWebhook(webhookUrl, 'solver.upserted', {
        email,
        name: 'Puller',
        employment,
        googleEmail: email,
      });
      expect(created.body.outcome).toBe('created');
      return { email, token: await stack.signIn(email) };
    }

    beforeAll(async () => {
      stack = await startStack(database);
    });
    afterAll(async () => stack?.close());
    beforeEach(() => stack.host.answerSessionsWith(undefined));

    it('pulls an unknown id once for 100 concurrent GETs, and not again within 60 s', async () => {
      const { email, token } = await newSolver();
      const id = randomUUID();
      const answers = await Promise.all(Array.from({ length: 100 }, () => get(id, token)));
      expect(new Set(answers.map((answer) => answer.status))).toEqual(new Set([404]));
      expect(pullsOf(id)).toBe(1);
      // The app learns of it now, but the "unknown" answer is remembered for 60 s: no second pull.
      stack.host.putSession({ ...session(email), sessionId: id });
      expect((await click(id, token)).status).toBe(404);
      expect(pullsOf(id)).toBe(1);
    });

    it('shares one slow pull between concurrent GETs of a session only the app knows', async () => {
      const { email, token } = await newSolver();
      const data = session(email);
      stack.host.putSession(data);
      stack.host.faults.set('sessions.get', { latencyMs: 300, times: 1 });
      const answers = await Promise.all(Array.from({ length: 5 }, () => get(data.sessionId, token)));
      expect(answers.map((answer) => answer.status)).toEqual([200, 200, 200, 200, 200]);
      expect(pullsOf(data.sessionId)).toBe(1);
      expect(await stored(data.sessionId)).toBe(1);
    });

    it(`holds a solver to ${PULL_BUDGET.limit} pulls a minute, counted before the pull (429 with Retry-After)`, async () => {
      const { token } = await newSolver();
      const ids = Array.from({ length: PULL_BUDGET.limit + 1 }, () => randomUUID());
      const answers = [];
      for (const id of ids) answers.push(await get(id, token));
      expect(answers.slice(0, -1).map((answer) => answer.status)).toEqual(Array(PULL_BUDGET.limit).fill(404));
      const over = answers.at(-1)!;
      expect(over.status).toBe(429);
      expect(over.body.error.message).toMatch(/Too many sessions asked of the SavvySolve app/);
      expect(Number(over.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(pullsOf(ids.at(-1)!)).toBe(0);
      expect(ids.slice(0, -1).every((id) => pullsOf(id) === 1)).toBe(true);
      // The click is held to the same budget before anything is asked.
      const clickOver = await click(randomUUID(), token);
      expect(clickOver.status).toBe(429);
    });

    it('never pulls for a contract solver: the GET answers 404 and the click 403', async () => {
      const { email, token } = await newSolver('contract');
      const data = session(email);
      stack.host.putSession(data);
      expect((await get(data.sessionId, token)).status).toBe(404);
      expect((await click(data.sessionId, token)).status).toBe(403);
      expect(pullsOf(data.sessionId)).toBe(0);
      expect(await stored(data.sessionId)).toBe(0);
    });

    it('does not follow a redirect (the token would go elsewhere): 503, nothing stored', async () => {
      const { email, token } = await newSolver();
      const data = session(email);
      stack.host.putSession(data);
      stack.host.answerSessionsWith({ redirect: true });
      const answer = await click(data.sessionId, token);
      expect(answer.status).toBe(503);
      expect(answer.body.error.message).toMatch(/answered with a redirect, which is not followed/);
      expect(stack.host.requests('redirected')).toHaveLength(0);
      expect(await stored(data.sessionId)).toBe(0);
    });

    it.each([
      ['streamed without a length', false],
      ['with a declared Content-Length', true],
    ])('stops reading a 200 MB answer %s at 64 KiB: 503 with a plain message, nothing stored', async (_case, declareLength) => {
      const { email, token } = await newSolver();
      const data = session(email);
      const sentBefore = stack.host.oversizeBytesSent();
      stack.host.answerSessionsWith({ oversize: { bytes: 200 * 1024 * 1024, declareLength } });
      const answer = await get(data.sessionId, token);
      expect(answer.status).toBe(503);
      expect(answer.body.error.message).toMatch(/the SavvySolve app could not be asked about it \(its answer is larger than 64 KiB\)/);
      // What the emulator produced is what the backend pulled: far from 200 MB (socket buffers allow a few MB).
      expect(stack.host.oversizeBytesSent() - sentBefore).toBeLessThan(16 * 1024 * 1024);
      expect(await stored(data.sessionId)).toBe(0);
    });
  });
}
