import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const RESULTS_DIR = fileURLToPath(new URL('./results', import.meta.url));

export type ServerChild = {
  url: string;
  pid: number;
  child: ChildProcess;
  /** Where its stdout/stderr go: a file, so the bench process spends no CPU reading the backend's request log. */
  logFile: string;
  /** Resident set size now and its peak since start (kernel's VmRSS / VmHWM), in MiB. */
  memory(): { rssMiB: number; peakRssMiB: number };
  stop(): Promise<void>;
};

export { freePort } from '../support/free-port.ts';

/** VmRSS and VmHWM of a process from /proc (Linux), in MiB. */
export function processMemory(pid: number): { rssMiB: number; peakRssMiB: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? Number.NaN);
  return { rssMiB: kib('VmRSS') / 1024, peakRssMiB: kib('VmHWM') / 1024 };
}

/**
 * Starts a TypeScript entry (`backend/server.ts` exactly as `npm start` runs it, or a bench server) as its own
 * Node process with only `env` (plus PATH/HOME), and waits until `readyPath` answers on the given port.
 */
export async function startServerChild(options: {
  name: string;
  entry: string;
  env: Record<string, string>;
  port: number;
  readyPath?: string;
  nodeArgs?: string[];
  timeoutMs?: number;
}): Promise<ServerChild> {
  mkdirSync(RESULTS_DIR, { recursive: true });
  const logFile = `${RESULTS_DIR}/${options.name}.log`;
  const out = openSync(logFile, 'w');
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), '--import', 'tsx', options.entry], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...options.env, PORT: String(options.port) },
    stdio: ['ignore', out, out],
  });
  closeSync(out);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let exitCode: number | null | undefined;
  child.once('exit', (code) => (exitCode = code));
  const url = `http://127.0.0.1:${options.port}`;
  const deadline = Date.now() + (options.timeoutMs ?? 90_000);
  for (;;) {
    if (exitCode !== undefined) {
      throw new Error(`${options.name} exited with ${exitCode} before it answered; its log:\n${tail(logFile)}`);
    }
    try {
      const response = await fetch(`${url}${options.readyPath ?? '/'}`);
      await response.arrayBuffer();
      if (response.status < 500) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${options.name} did not answer within ${options.timeoutMs ?? 90_000} ms; its log:\n${tail(logFile)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    url,
    pid: child.pid!,
    child,
    logFile,
    memory: () => processMemory(child.pid!),
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(timer);
      }
    },
  };
}

function tail(file: string, lines = 30): string {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}
