import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));

export type BackendProcess = {
  url: string;
  logs: string[];
  child: ChildProcess;
  /** SIGKILL: no graceful shutdown, as in a crash. */
  crash(): Promise<void>;
  stop(): Promise<void>;
};

/** Starts `backend/server.ts` as its own process (as `npm start` does) and waits until it listens. */
export function startBackendProcess(env: Record<string, string>, timeoutMs = 60_000): Promise<BackendProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'backend/server.ts'], {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: string[] = [];
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`backend did not start in ${timeoutMs} ms:\n${logs.join('\n')}`)), timeoutMs);
    const onLine = (line: string) => {
      logs.push(line);
      const url = line.includes('"message":"SavvySolve Meet backend listening"')
        ? /"url":"(http:\/\/localhost:\d+)"/.exec(line)?.[1]
        : undefined;
      if (url) {
        clearTimeout(timer);
        resolve({
          url: url.replace('localhost', '127.0.0.1'),
          logs,
          child,
          async crash() {
            child.kill('SIGKILL');
            await exited;
          },
          async stop() {
            if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
            await exited;
          },
        });
      }
    };
    for (const stream of [child.stdout!, child.stderr!]) {
      let buffer = '';
      stream.setEncoding('utf8').on('data', (chunk: string) => {
        buffer += chunk;
        const lines = buffer.split('\n');
        buffer = lines.pop() ?? '';
        lines.forEach(onLine);
      });
    }
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`backend exited with ${code} before listening:\n${logs.join('\n')}`));
    });
  });
}
