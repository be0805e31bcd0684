import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { startBackendProcess } from '../support/backend-process.ts';
import { eventually } from '../support/eventually.ts';

// `npm start` as a newcomer runs it: no configuration at all, the embedded database on disk.
describe('the backend process', () => {
  it('starts with no configuration on embedded PGlite, migrates, serves /health, and keeps its data across restarts', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'ssm-pglite-'));
    try {
      const first = await startBackendProcess({ PGLITE_DATA_DIR: dataDir });
      const health = await (await fetch(`${first.url}/health`)).json();
      expect(health).toMatchObject({ status: 'ok', database: { kind: 'pglite', ok: true } });
      expect(Object.values(health.integrations)).toEqual(Array(8).fill('not_configured'));
      expect(first.logs.join('\n')).toContain('the admin API is disabled');
      expect(first.logs.join('\n')).toContain('GOOGLE_OAUTH_CLIENT_IDS is unset: sign-in is off');
      await first.stop();

      const second = await startBackendProcess({ PGLITE_DATA_DIR: dataDir });
      expect((await fetch(`${second.url}/health`)).status).toBe(200);
      await second.stop();
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  }, 60_000);

  it('refuses bad configuration, listing every problem and exiting 1', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'backend/server.ts'], {
      env: { PATH: process.env.PATH ?? '', PORT: 'x', ABLY_API_KEY: 'nope', SESSION_SECRET: 'short-secret-value' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(code).toBe(1);
    expect(stderr).toMatch(/PORT:.*\n.*SESSION_SECRET: must be at least 32 characters\n.*ABLY_API_KEY: must look like appId\.keyId:secret/);
    expect(stderr).not.toContain('short-secret-value');
  }, 30_000);

  it('says in one line that the port is taken, before opening the database', async () => {
    const running = await startBackendProcess({ PGLITE_DATA_DIR: 'memory://' });
    try {
      const port = new URL(running.url).port;
      const child = spawn(process.execPath, ['--import', 'tsx', 'backend/server.ts'], {
        env: { PATH: process.env.PATH ?? '', PORT: port, PGLITE_DATA_DIR: 'memory://' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stderr = '';
      child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
      expect(await new Promise((resolve) => child.once('exit', resolve))).toBe(1);
      expect(stderr.trim()).toBe(
        `Port ${port} is already in use (another \`npm start\` or \`npm run demo\`?): stop it, or set PORT to a free port.`,
      );
    } finally {
      await running.stop();
    }
  }, 60_000);

  it('stops the server when npm start is sent SIGTERM (a script killing npm leaves nothing running)', async () => {
    const npm = spawn('npm', ['start', '--silent'], {
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', PORT: '0', PGLITE_DATA_DIR: 'memory://' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    npm.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setInterval(() => {
        const found = /"url":"(http:\/\/localhost:\d+)"/.exec(output)?.[1];
        if (found) {
          clearInterval(timer);
          resolve(found.replace('localhost', '127.0.0.1'));
        }
      }, 100);
      npm.once('exit', () => reject(new Error(`npm start exited early:\n${output}`)));
    });
    expect((await fetch(`${url}/health`)).status).toBe(200);
    npm.kill('SIGTERM');
    await new Promise((resolve) => npm.once('exit', resolve));
    // Closed: a connection is refused (the fetch rejects) instead of answered.
    await eventually(
      () =>
        fetch(`${url}/health`).then(
          () => false,
          () => true,
        ),
      'the listener to close',
      10_000,
    );
    expect(output).toContain('"signal":"SIGTERM"');
  }, 60_000);
});
