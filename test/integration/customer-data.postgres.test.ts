import { describe, it } from 'vitest';
import { postgresAvailable, warnPostgresSkipped } from '../support/postgres.ts';
import { describeCustomerData } from './customer-data.suite.ts';

if (await postgresAvailable()) describeCustomerData('postgres');
else {
  warnPostgresSkipped('customer data on postgres');
  describe.skip('customer data on postgres (no server reachable)', () => it('needs Postgres', () => {}));
}
