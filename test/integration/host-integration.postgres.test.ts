import { describe, it } from 'vitest';
import { postgresAvailable, warnPostgresSkipped } from '../support/postgres.ts';
import { describeHostIntegration } from './host-integration.suite.ts';

if (await postgresAvailable()) {
  describeHostIntegration('postgres');
} else {
  warnPostgresSkipped('SavvySolve host integration on postgres');
  describe.skip('SavvySolve host integration on postgres (no server reachable)', () => it('needs Postgres', () => {}));
}
