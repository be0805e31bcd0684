import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../backend/env.ts';
import { createMemoryLogger } from '../../backend/logger.ts';
import { startBackend, type RunningBackend } from '../../backend/start.ts';
import { postgresAvailable, warnPostgresSkipped } from '../support/postgres.ts';
import { describeMeetPolicy } from './meet-policy.suite.ts';
import { ADMIN_TOKEN, startStack, type Stack } from './stack.ts';

if (await postgresAvailable()) {
  describeMeetPolicy('postgres');

  describe('revocation across instances on postgres', () => {
    let stack: Stack;
    let other: RunningBackend;
    beforeAll(async () => {
      stack = await startStack('postgres');
      other = await startBackend(loadConfig({ ...stack.env, PORT: '0' }), { log: createMemoryLogger().logger, workers: false });
    });
    afterAll(async () => {
      await other?.close();
      await stack?.close();
    });

    it('refuses a token on the other instance within a second of the solver being disabled', async () => {
      const id = await stack.api.createSolver({
        name: 'Ada',
        email: 'ada@example.com',
        employment: 'employed',
        googleEmail: 'ada@example.com',
      });
      const token = await stack.signIn('ada@example.com');
      const canUse = () => fetch(`${other.url}/api/meet/can-use`, { headers: { authorization: `Bearer ${token}` } });
      expect((await canUse()).status).toBe(200); // the other instance now caches the enabled solver
      const disabled = await stack.api.call('PATCH', `/api/admin/solvers/${id}`, { json: { disabled: true }, token: ADMIN_TOKEN });
      expect(disabled.status).toBe(200);
      // A clock on purpose: the promise under test is the solver cache's one-second lifetime on the other instance.
      await new Promise((resolve) => setTimeout(resolve, 1_100));
      const refused = await canUse();
      expect(refused.status).toBe(403);
      expect(((await refused.json()) as { error: { message: string } }).error.message).toMatch(/disabled/);
    });
  });
} else {
  warnPostgresSkipped('Meet action policy on postgres');
  describe.skip('Meet action policy on postgres (no server reachable)', () => it('needs Postgres', () => {}));
}
