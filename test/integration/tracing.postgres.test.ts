import { describe, it } from 'vitest';
import { postgresAvailable, warnPostgresSkipped } from '../support/postgres.ts';
import { describeTracing } from './tracing.suite.ts';

if (await postgresAvailable()) {
  describeTracing('postgres');
} else {
  warnPostgresSkipped('tracing on postgres');
  describe.skip('tracing on postgres (no server reachable)', () => it('needs Postgres', () => {}));
}
