import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { startBackendProcess } from '../support/backend-process.ts';

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
});
