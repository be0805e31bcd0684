import { describe, it } from 'vitest';
import { postgresAvailable, warnPostgresSkipped } from '../support/postgres.ts';
import { describeMeetFlow } from './meet-flow.suite.ts';

if (await postgresAvailable()) {
  describeMeetFlow('postgres', 'keyless');
} else {
  warnPostgresSkipped('Meet escalation end to end on postgres, google: keyless');
  describe.skip('Meet escalation end to end on postgres, google: keyless (no server reachable)', () => it('needs Postgres', () => {}));
}
