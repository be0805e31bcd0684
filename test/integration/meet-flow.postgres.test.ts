import { describe, it } from 'vitest';
import { postgresAvailable, warnPostgresSkipped } from '../support/postgres.ts';
import { describeMeetFlow } from './meet-flow.suite.ts';

if (await postgresAvailable()) {
  describeMeetFlow('postgres');
} else {
  warnPostgresSkipped('Meet escalation end to end on postgres');
  describe.skip('Meet escalation end to end on postgres (no server reachable)', () => it('needs Postgres', () => {}));
}
