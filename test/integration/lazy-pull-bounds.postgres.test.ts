import { describe, it } from 'vitest';
import { postgresAvailable, warnPostgresSkipped } from '../support/postgres.ts';
import { describeLazyPullBounds } from './lazy-pull-bounds.suite.ts';

if (await postgresAvailable()) {
  describeLazyPullBounds('postgres');
} else {
  warnPostgresSkipped('bounded lazy pulls on postgres');
  describe.skip('bounded lazy pulls on postgres (no server reachable)', () => it('needs Postgres', () => {}));
}
