import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port.ts';

/** Debian's Prometheus (`apt-get install prometheus`, which brings promtool too). */
export const PROMETHEUS = '/usr/bin/prometheus';
export const PROMTOOL = '/usr/bin/promtool';

export type ScrapeTarget = {
  job: string;
  /** host:port of the backend. */
  target: string;
  /** Sent as `Authorization: Bearer …` from a credentials file, as a deployment would keep it. */
  bearerToken: string;
};

/** One sample of an instant query's answer. */
export type Sample = { metric: Record<string, string>; value: number };

export type Prometheus = {
  url: string;
  /** Runs an instant PromQL query (GET /api/v1/query) and returns its vector. */
  query(promql: string): Promise<Sample[]>;
  /** Polls `query` until `check` accepts its answer (Prometheus scrapes every second here). */
  waitFor(promql: string, check: (samples: Sample[]) => boolean, what: string, timeoutMs?: number): Promise<Sample[]>;
  close(): Promise<void>;
};

/**
 * Starts a real Prometheus on 127.0.0.1 scraping `targets` every second, its data in a temporary directory. Resolves
 * once it answers `/-/ready`.
 */
export async function startPrometheus(targets: ScrapeTarget[]): Promise<Prometheus> {
  const dir = await mkdtemp(join(tmpdir(), 'prometheus-'));
  const jobs: string[] = [];
  for (const [index, target] of targets.entries()) {
    const tokenFile = join(dir, `token-${index}`);
    await writeFile(tokenFile, target.bearerToken);
    jobs.push(
      [
        `  - job_name: ${JSON.stringify(target.job)}`,
        '    metrics_path: /metrics',
        '    authorization:',
        '      type: Bearer',
        `      credentials_file: ${JSON.stringify(tokenFile)}`,
        '    static_configs:',
        `      - targets: [${JSON.stringify(target.target)}]`,
      ].join('\n'),
    );
  }
  const config = join(dir, 'prometheus.yml');
  await writeFile(config, `global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nscrape_configs:\n${jobs.join('\n')}\n`);
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = spawn(
    PROMETHEUS,
    [`--config.file=${config}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn'],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  const query = async (promql: string): Promise<Sample[]> => {
    const response = await fetch(`${url}/api/v1/query?${new URLSearchParams({ query: promql })}`);
    const body = (await response.json()) as {
      status: string;
      error?: string;
      data?: { result: { metric: Record<string, string>; value: [number, string] }[] };
    };
    if (body.status !== 'success') throw new Error(`Prometheus refused ${promql}: ${body.error}`);
    return body.data!.result.map((entry) => ({ metric: entry.metric, value: Number(entry.value[1]) }));
  };

  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`prometheus exited with ${child.exitCode}:\n${stderr}`);
    const ready = await fetch(`${url}/-/ready`).then(
      (response) => response.ok,
      () => false,
    );
    if (ready) break;
    if (Date.now() > deadline) throw new Error(`prometheus was not ready in 30 s:\n${stderr}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }

  return {
    url,
    query,
    async waitFor(promql, check, what, timeoutMs = 30_000) {
      const until = Date.now() + timeoutMs;
      let last: Sample[] = [];
      for (;;) {
        last = await query(promql);
        if (check(last)) return last;
        if (Date.now() > until) throw new Error(`timed out waiting for ${what}; ${promql} answered ${JSON.stringify(last)}`);
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    },
    async close() {
      child.kill('SIGTERM');
      await exited;
      await rm(dir, { recursive: true, force: true });
    },
  };
}
