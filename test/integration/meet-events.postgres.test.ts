import { describe, it } from 'vitest';
import { postgresAvailable, warnPostgresSkipped } from '../support/postgres.ts';
import { describeMeetEvents } from './meet-events.suite.ts';

if (await postgresAvailable()) {
  describeMeetEvents('postgres');
} else {
  warnPostgresSkipped('Meet events on postgres');
  describe.skip('Meet events on postgres (no server reachable)', () => it('needs Postgres', () => {}));
}
