import { describe, it } from 'vitest';
import { postgresAvailable, warnPostgresSkipped } from '../support/postgres.ts';
import { describeMeetSpace } from './meet-space.suite.ts';

if (await postgresAvailable()) {
  describeMeetSpace('postgres', 'keyless');
} else {
  warnPostgresSkipped('Meet space control on postgres, google: keyless');
  describe.skip('Meet space control on postgres, google: keyless (no server reachable)', () => it('needs Postgres', () => {}));
}
