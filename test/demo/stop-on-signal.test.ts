import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { freePort } from '../support/free-port.ts';

// A script killing `npm run demo` or `npm run emulators` (SIGTERM, or Ctrl+C's SIGINT) leaves no port held.
const root = fileURLToPath(new URL('../..', import.meta.url));

/** Whether `port` can be listened on (its owner, if any, is gone). */
function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer()
      .once('error', () => resolve(false))
      .listen(port, '0.0.0.0', () => server.close(() => resolve(true)));
  });
}

/** Runs `npm run <script>` until it prints `ready`, sends `signal` to npm, and resolves with npm's exit. */
async function runThenSignal(script: string, env: Record<string, string>, ready: string, signal: NodeJS.Signals) {
  const npm = spawn('npm', ['run', '--silent', script], {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  npm.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  npm.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  const exited = new Promise<number | null>((resolve) => npm.once('exit', (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    const timer = setInterval(() => output.includes(ready) && (clearInterval(timer), resolve()), 50);
    void exited.then(() => reject(new Error(`npm run ${script} exited early:\n${output}`)));
  });
  npm.kill(signal);
  return { code: await exited, output };
}

/** Polls until every port is free; the ports still held after 10 s otherwise. */
async function heldPorts(ports: number[]): Promise<number[]> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const held = (await Promise.all(ports.map(async (port) => ((await portIsFree(port)) ? undefined : port)))).filter(
      (port): port is number => port !== undefined,
    );
    if (held.length === 0 || Date.now() > deadline) return held;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('long-running scripts', () => {
  it.each(['SIGTERM', 'SIGINT'] as const)('npm run emulators stops its three emulators on %s to npm', async (signal) => {
    const ports = { EMULATOR_GOOGLE_PORT: await freePort(), EMULATOR_TWILIO_PORT: await freePort(), EMULATOR_ABLY_PORT: await freePort() };
    const env = Object.fromEntries(Object.entries(ports).map(([name, port]) => [name, String(port)]));
    const { output } = await runThenSignal('emulators', env, '# Paste into the backend shell', signal);
    expect(await heldPorts(Object.values(ports)), output).toEqual([]);
    expect(output).toContain(`# ${signal}: stopping the emulators`);
  });

  it('npm run demo stops the backend, the emulators and the session pages on SIGTERM to npm', async () => {
    const outDir = await mkdtemp(join(tmpdir(), 'ssm-demo-'));
    try {
      const names = ['DEMO_BACKEND_PORT', 'DEMO_GOOGLE_PORT', 'DEMO_TWILIO_PORT', 'DEMO_ABLY_PORT', 'DEMO_HOST_PORT', 'DEMO_PAGE_PORT'];
      const ports = await Promise.all(names.map(() => freePort()));
      const env = {
        ...Object.fromEntries(names.map((name, i) => [name, String(ports[i])])),
        DEMO_OUT_DIR: outDir,
        DEMO_OPEN_BROWSER: 'false',
      };
      const { code, output } = await runThenSignal('demo', env, 'Press Ctrl+C to stop.', 'SIGTERM');
      expect(await heldPorts(ports), output).toEqual([]);
      expect(code, output).toBe(0);
    } finally {
      await rm(outDir, { recursive: true, force: true });
    }
  }, 120_000);
});
