import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { ROOT } from './child-process.ts';

export type LoadResult = {
  requestsPerSecond: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
  requests: number;
  non2xx: number;
  errors: number;
  timeouts: number;
};

const autocannonBin = createRequire(import.meta.url).resolve('autocannon/autocannon.js');

/**
 * Runs autocannon (npm) in its own process against `url` with a fixed number of connections: a warm-up whose
 * figures are dropped, then `durationSec` of measurement. Returns its JSON figures.
 */
export function runLoad(options: {
  url: string;
  connections: number;
  durationSec: number;
  warmupSec: number;
  headers?: Record<string, string>;
}): Promise<LoadResult> {
  const args = [
    autocannonBin,
    '--json',
    '--connections',
    String(options.connections),
    '--duration',
    String(options.durationSec),
    '--warmup',
    '[',
    '-c',
    String(options.connections),
    '-d',
    String(options.warmupSec),
    ']',
    ...Object.entries(options.headers ?? {}).flatMap(([name, value]) => ['--headers', `${name}=${value}`]),
    options.url,
  ];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
    child.once('error', reject);
    child.once('exit', (code) => {
      const line = out
        .trim()
        .split('\n')
        .findLast((candidate) => candidate.startsWith('{'));
      if (code !== 0 || !line) return reject(new Error(`autocannon exited with ${code}: ${err.slice(-500)}`));
      const result = JSON.parse(line) as {
        requests: { average: number; total: number };
        latency: { p50: number; p99: number };
        non2xx: number;
        errors: number;
        timeouts: number;
      };
      resolve({
        requestsPerSecond: result.requests.average,
        latencyP50Ms: result.latency.p50,
        latencyP99Ms: result.latency.p99,
        requests: result.requests.total,
        non2xx: result.non2xx,
        errors: result.errors,
        timeouts: result.timeouts,
      });
    });
  });
}
