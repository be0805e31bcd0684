import { describe, it } from 'vitest';
import { postgresAvailable, warnPostgresSkipped } from '../support/postgres.ts';
import { describeMeetSpaceOwnership } from './meet-space-ownership.suite.ts';

if (await postgresAvailable()) {
  describeMeetSpaceOwnership('postgres');
} else {
  warnPostgresSkipped('Meet space ownership on postgres');
  describe.skip('Meet space ownership on postgres (no server reachable)', () => it('needs Postgres', () => {}));
}
