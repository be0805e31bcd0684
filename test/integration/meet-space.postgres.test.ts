import { describe, it } from 'vitest';
import { postgresAvailable, warnPostgresSkipped } from '../support/postgres.ts';
import { describeMeetSpace } from './meet-space.suite.ts';

if (await postgresAvailable()) {
  describeMeetSpace('postgres');
} else {
  warnPostgresSkipped('Meet space control on postgres');
  describe.skip('Meet space control on postgres (no server reachable)', () => it('needs Postgres', () => {}));
}
