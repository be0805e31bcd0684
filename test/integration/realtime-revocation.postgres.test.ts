import { describe, it } from 'vitest';
import { postgresAvailable, warnPostgresSkipped } from '../support/postgres.ts';
import { describeRealtimeRevocation } from './realtime-revocation.suite.ts';

if (await postgresAvailable()) {
  describeRealtimeRevocation('postgres');
} else {
  warnPostgresSkipped('realtime token revocation on postgres');
  describe.skip('realtime token revocation on postgres (no server reachable)', () => it('needs Postgres', () => {}));
}
