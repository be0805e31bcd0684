import { describe, expect, it } from 'vitest';
import { describeProblems, renderSoak } from '../soak/report.ts';
import { runSoak } from '../soak/soak.ts';
import { postgresAvailable, warnPostgresSkipped } from '../support/postgres.ts';

// `npm run soak` in small: a minute of escalations under faults in every outside service, two backend processes on
// one Postgres, one SIGKILL; then the drain and the reconcile of every session. Nothing lost, nothing sent twice.
const SEED = Number(process.env.SOAK_SEED ?? Date.now() % 1_000_000);

if (!(await postgresAvailable())) {
  warnPostgresSkipped('soak: nothing lost, nothing twice under chaos');
  describe.skip('soak under chaos (no Postgres server reachable)', () => it('needs Postgres', () => {}));
} else {
  describe('soak: nothing lost, nothing twice under chaos (real Postgres, two processes, one SIGKILL)', () => {
    it('reconciles every session after 60 s of load, faults and a kill', async () => {
      const lines: string[] = [];
      const result = await runSoak({
        database: 'postgres',
        seconds: 60,
        sessions: 150,
        solvers: 50,
        seed: SEED,
        faultRate: 0.1,
        endShare: 0.4,
        killAtSeconds: [10],
        drainSeconds: 90,
        log: (line) => lines.push(line),
      });
      console.log(`soak seed ${SEED} (replay: SOAK_SEED=${SEED}, or npm run soak -- --seed ${SEED})\n${renderSoak(result)}`);
      const problems = describeProblems(result, 3).join('\n');
      expect(result.chaos.kills, lines.join('\n')).toHaveLength(1);
      expect(result.drain.quiet, `the backend did not drain in 90 s: ${JSON.stringify(result.drain.pending)}`).toBe(true);
      expect(result.verdict.lost, problems).toEqual([]);
      expect(result.verdict.duplicated, problems).toEqual([]);
    }, 180_000);
  });
}
