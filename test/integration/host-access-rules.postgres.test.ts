import { describe, it } from 'vitest';
import { postgresAvailable, warnPostgresSkipped } from '../support/postgres.ts';
import { describeHostAccessRules } from './host-access-rules.suite.ts';

if (await postgresAvailable()) {
  describeHostAccessRules('postgres');
} else {
  warnPostgresSkipped('host access rules on postgres');
  describe.skip('host access rules on postgres (no server reachable)', () => it('needs Postgres', () => {}));
}
