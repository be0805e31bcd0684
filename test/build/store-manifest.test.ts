import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));

/** `wxt build` into a temporary folder with `env`; resolves with the built manifest. */
async function buildManifest(env: Record<string, string>): Promise<{ host_permissions: string[] }> {
  const outDir = await mkdtemp(join(tmpdir(), 'ssm-build-'));
  try {
    const wxt = spawn(process.execPath, [`${root}node_modules/wxt/bin/wxt.mjs`, 'build'], {
      cwd: root,
      env: { ...process.env, SAVVYSOLVE_OUT_DIR: outDir, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    wxt.stdout.on('data', (chunk) => (output += chunk));
    wxt.stderr.on('data', (chunk) => (output += chunk));
    const code = await new Promise((resolve) => wxt.once('exit', resolve));
    expect(code, output).toBe(0);
    return JSON.parse(await readFile(join(outDir, 'chrome-mv3', 'manifest.json'), 'utf8'));
  } finally {
    await rm(outDir, { recursive: true, force: true });
  }
}

describe('the extension manifest', () => {
  it('asks for no loopback origins in the store build, and keeps them for development, tests and the demo', async () => {
    const store = await buildManifest({ SAVVYSOLVE_STORE_BUILD: 'true' });
    const loopback = (patterns: string[]) => patterns.filter((pattern) => /\/\/(localhost|127\.0\.0\.1)\//.test(pattern));
    expect(loopback(store.host_permissions)).toEqual([]);
    expect(store.host_permissions).toContain('https://meet.google.com/*');
    const development = await buildManifest({});
    expect(loopback(development.host_permissions)).toEqual(['http://localhost/*', 'http://127.0.0.1/*']);
  }, 60_000);
});
