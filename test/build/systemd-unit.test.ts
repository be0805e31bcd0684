import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../backend/env.ts';

// docs/deployment/savvysolve-meet.service: what systemd makes of it, and that it runs what a production install builds.
const root = fileURLToPath(new URL('../..', import.meta.url));
const unitPath = join(root, 'docs/deployment/savvysolve-meet.service');
const hasSystemd = spawnSync('systemd-analyze', ['--version']).status === 0;

/** `Key=value` lines of the unit, last one winning (as systemd reads them, minus list resets). */
const directives = (unit: string) =>
  Object.fromEntries(
    unit
      .split('\n')
      .filter((line) => /^[A-Za-z]+=/.test(line))
      .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
  );

describe('the systemd unit', () => {
  it('runs the compiled server on the installed Node, with a stop timeout longer than the shutdown grace', async () => {
    const unit = directives(await readFile(unitPath, 'utf8'));
    const workingDirectory = unit.WorkingDirectory!;
    expect(unit.ExecStart).toBe(`${workingDirectory}/node_modules/.bin/node --enable-source-maps dist/server.js`);
    const packageJson = JSON.parse(await readFile(join(root, 'package.json'), 'utf8'));
    expect(packageJson.scripts['start:prod']).toContain('node --enable-source-maps dist/server.js');
    expect(unit.KillSignal).toBe('SIGTERM');
    expect(Number(unit.TimeoutStopSec)).toBeGreaterThan(loadConfig({}).shutdownGraceSeconds);
    expect(unit.EnvironmentFile).toBe('/etc/savvysolve-meet.env');
  });

  it(`passes systemd-analyze verify${hasSystemd ? '' : ' (systemd-analyze is not installed here: checked where it is)'}`, async () => {
    if (!hasSystemd) return;
    // Verified as installed in this checkout: systemd checks that ExecStart's program exists and is executable.
    const dir = await mkdtemp(join(tmpdir(), 'ssm-unit-'));
    try {
      const copy = join(dir, 'savvysolve-meet.service');
      await writeFile(copy, (await readFile(unitPath, 'utf8')).replaceAll('/opt/savvysolve-meet', root.replace(/\/$/, '')));
      const result = spawnSync('systemd-analyze', ['verify', copy], { encoding: 'utf8' });
      expect(result.status, result.stderr).toBe(0);
      // systemd only warns about unknown keys and bad values: any output is a mistake in the unit.
      expect(result.stderr.trim()).toBe('');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
