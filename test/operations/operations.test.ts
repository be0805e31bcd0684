import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { createMetrics } from '../../backend/metrics/metrics.ts';
import { PROMTOOL } from '../support/prometheus.ts';
import { metricNamesIn } from '../support/promql-names.ts';

const run = promisify(execFile);
const operations = fileURLToPath(new URL('../../docs/operations/', import.meta.url));

/** Every series name the backend exports (histograms as their _bucket/_sum/_count), plus Prometheus's own `up`. */
async function exportedNames(): Promise<Set<string>> {
  const metrics = createMetrics({ jobCounts: async () => [] });
  metrics.trackReadiness(async () => true);
  const names = new Set(['up']);
  for (const metric of await metrics.registry.getMetricsAsJSON()) {
    names.add(metric.name);
    if (String(metric.type) === 'histogram') for (const suffix of ['_bucket', '_sum', '_count']) names.add(metric.name + suffix);
  }
  return names;
}

/** The `expr:` values of a rules file (one-line or `|` blocks). */
function ruleExpressions(yaml: string): string[] {
  const lines = yaml.split('\n');
  const exprs: string[] = [];
  lines.forEach((line, index) => {
    const match = /^(\s*)expr:\s*(.*)$/.exec(line);
    if (!match) return;
    if (match[2] !== '|') return void exprs.push(match[2]!);
    const block: string[] = [];
    for (const next of lines.slice(index + 1)) {
      if (next.trim() && next.search(/\S/) <= match[1]!.length) break;
      block.push(next);
    }
    exprs.push(block.join('\n'));
  });
  return exprs;
}

describe('docs/operations', () => {
  it('alerts.yml passes promtool check rules', async () => {
    const { stdout } = await run(PROMTOOL, ['check', 'rules', 'alerts.yml'], { cwd: operations });
    expect(stdout).toMatch(/SUCCESS: \d+ rules found/);
  });

  it('alerts.yml passes its promtool unit tests (alerts.test.yml)', async () => {
    const { stdout } = await run(PROMTOOL, ['test', 'rules', 'alerts.test.yml'], { cwd: operations });
    expect(stdout).toContain('SUCCESS');
  });

  it('the alerts read only metrics the backend exports', async () => {
    const exported = await exportedNames();
    const exprs = ruleExpressions(await readFile(`${operations}/alerts.yml`, 'utf8'));
    expect(exprs.length).toBeGreaterThanOrEqual(8);
    const used = exprs.flatMap(metricNamesIn);
    expect(used).toContain('savvysolve_meet_sms_total');
    expect(used.filter((name) => !exported.has(name))).toEqual([]);
  });

  it('dashboard.json is a Grafana dashboard whose every panel query reads only exported metrics', async () => {
    const dashboard = JSON.parse(await readFile(`${operations}/dashboard.json`, 'utf8')) as {
      title: string;
      panels: { type: string; title: string; targets?: { expr: string }[] }[];
    };
    expect(dashboard.title).toBe('SavvySolve Meet');
    const graphs = dashboard.panels.filter((panel) => panel.type !== 'row');
    expect(graphs.every((panel) => (panel.targets?.length ?? 0) > 0)).toBe(true);
    const exported = await exportedNames();
    const used = graphs.flatMap((panel) => panel.targets!.flatMap((target) => metricNamesIn(target.expr)));
    expect(used.filter((name) => !exported.has(name))).toEqual([]);
    // Every series of the contract has a panel.
    for (const name of [
      'savvysolve_meet_escalations_total',
      'savvysolve_meet_link_seconds_bucket',
      'savvysolve_meet_sms_total',
      'savvysolve_meet_customer_join_seconds_bucket',
      'savvysolve_meet_outbound_requests_total',
      'savvysolve_meet_outbound_seconds_bucket',
      'savvysolve_meet_jobs',
      'savvysolve_meet_job_failures_total',
    ]) {
      expect(used).toContain(name);
    }
  });

  it('finds metric names in PromQL and nothing else', () => {
    expect(
      metricNamesIn('histogram_quantile(0.95, sum by (le, service) (rate(foo_bucket{job=~"$job",a="b c"}[5m]))) / on (x) bar > 0 and baz'),
    ).toEqual(['foo_bucket', 'bar', 'baz']);
  });
});
