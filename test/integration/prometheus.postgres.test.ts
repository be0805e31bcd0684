import { describe, it } from 'vitest';
import { postgresAvailable, warnPostgresSkipped } from '../support/postgres.ts';
import { describePrometheusScrape } from './prometheus.suite.ts';

if (await postgresAvailable()) {
  describePrometheusScrape('postgres');
} else {
  warnPostgresSkipped('metrics scraped by Prometheus on postgres');
  describe.skip('metrics scraped by a real Prometheus on postgres (no server reachable)', () => it('needs Postgres', () => {}));
}
