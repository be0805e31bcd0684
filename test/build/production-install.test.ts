import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// The production install the deployment guide gives, on a clean clone of the committed HEAD (uncommitted changes are
// not in it): `npm ci --omit=dev && npm run start:prod`. Packages come from npm's cache when they are there
// (--prefer-offline), so the run costs one install (~20–60 s on a busy machine), not a download.
const root = fileURLToPath(new URL('../..', import.meta.url));
// The clone must run on the Node it installed itself, not on this repository's.
const path = (process.env.PATH ?? '')
  .split(delimiter)
  .filter((dir) => !dir.startsWith(join(root, 'node_modules')))
  .join(delimiter);

type Finished = { code: number | null; output: string; ms: number };

/** Runs `command` to its end in `cwd`; resolves with its exit code, its output and how long it took. */
function run(command: string, args: string[], cwd: string, env: Record<string, string> = {}): Promise<Finished> {
  const started = performance.now();
  const child = spawn(command, args, { cwd, env: { PATH: path, HOME: process.env.HOME ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, output, ms: performance.now() - started })));
}

/** The packages a bundle in `dir` loads before its first line runs: its static imports, through its chunks. */
function staticPackages(dir: string, file: string, seen = new Set<string>()): Set<string> {
  const packages = new Set<string>();
  if (seen.has(file)) return packages;
  seen.add(file);
  for (const [, specifier = ''] of readFileSync(join(dir, file), 'utf8').matchAll(/^(?:import|export)\b[^;]*?"([^"]+)";$/gms)) {
    if (specifier.startsWith('./')) for (const name of staticPackages(dir, specifier.slice(2), seen)) packages.add(name);
    else if (!specifier.startsWith('node:')) packages.add(specifier);
  }
  return packages;
}

describe('a production install', () => {
  it('runs the compiled server from a clean clone without dev dependencies, and the admin CLI answers', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ssm-prod-'));
    const app = join(dir, 'app');
    try {
      execFileSync('git', ['clone', '--quiet', root, app]);
      execFileSync('git', [
        '-C',
        app,
        'checkout',
        '--quiet',
        '--detach',
        execFileSync('git', ['-C', root, 'rev-parse', 'HEAD']).toString().trim(),
      ]);

      const install = await run('npm', ['ci', '--omit=dev', '--prefer-offline', '--no-audit', '--no-fund'], app);
      expect(install.code, install.output).toBe(0);
      expect(existsSync(join(app, 'node_modules/tsx')), 'tsx is a dev dependency').toBe(false);
      expect(existsSync(join(app, 'node_modules/.bin/node')), 'Node 24 comes with the production install').toBe(true);

      const env = { PORT: '0', PGLITE_DATA_DIR: join(dir, 'data') };
      const started = performance.now();
      const server = spawn('npm', ['run', '--silent', 'start:prod'], {
        cwd: app,
        env: { PATH: path, HOME: process.env.HOME ?? '', ...env },
      });
      let logs = '';
      server.stdout.setEncoding('utf8').on('data', (chunk: string) => (logs += chunk));
      server.stderr.setEncoding('utf8').on('data', (chunk: string) => (logs += chunk));
      const exited = new Promise<number | null>((resolve) => server.once('exit', resolve));
      const url = await new Promise<string>((resolve, reject) => {
        const timer = setInterval(() => {
          const found = /"url":"http:\/\/localhost:(\d+)"/.exec(logs)?.[1];
          if (found) {
            clearInterval(timer);
            resolve(`http://127.0.0.1:${found}`);
          }
        }, 50);
        void exited.then(() => reject(new Error(`start:prod exited early:\n${logs}`)));
      });
      const health = await fetch(`${url}/health`);
      const healthyAfterMs = performance.now() - started;
      expect(await health.json()).toMatchObject({ status: 'ok', database: { kind: 'pglite', ok: true } });
      expect(existsSync(join(app, 'dist/server.js'))).toBe(true);
      // OpenTelemetry patches the HTTP clients as they load: the SDKs load after it (start.ts's own chunk).
      const beforeTracing = staticPackages(join(app, 'dist'), 'server.js');
      expect(beforeTracing).toContain('pino');
      for (const sdk of ['twilio', 'ably', 'googleapis/build/src/apis/calendar/v3.js', 'pg-boss']) expect(beforeTracing).not.toContain(sdk);
      // The admin CLI loads what its command uses (pg-boss to write, ajv and plist for `policy`, one database driver);
      // drizzle-orm is bundled in (scripts/build-server.ts).
      const adminLoads = staticPackages(join(app, 'dist'), 'admin.js');
      for (const name of ['pg-boss', 'ajv', 'plist', 'postgres', '@electric-sql/pglite', '@opentelemetry/api', 'drizzle-orm'])
        expect(adminLoads).not.toContain(name);

      server.kill('SIGTERM');
      expect(await exited, logs).toBe(0);

      // After the server stopped: an embedded database has one process at a time.
      const admin = await run('npm', ['run', '--silent', 'admin', '--', 'solvers', 'list'], app, env);
      expect(admin.code, admin.output).toBe(0);
      expect(admin.output.trim()).toBe('(none)');
      console.log(
        `production install: npm ci --omit=dev ${(install.ms / 1000).toFixed(1)} s; start:prod healthy after ${(healthyAfterMs / 1000).toFixed(1)} s; admin solvers list ${(admin.ms / 1000).toFixed(1)} s`,
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 300_000);
});
