/** Structured one-line logs. Callers pass facts, never secrets or tokens. */
export type Logger = {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
};

type Line = { level: 'info' | 'warn' | 'error'; message: string } & Record<string, unknown>;

export function createLogger(write: (line: string) => void = (line) => process.stdout.write(`${line}\n`)): Logger {
  const emit = (level: Line['level'], message: string, fields?: Record<string, unknown>) =>
    write(JSON.stringify({ time: new Date().toISOString(), level, message, ...fields }));
  return {
    info: (message, fields) => emit('info', message, fields),
    warn: (message, fields) => emit('warn', message, fields),
    error: (message, fields) => emit('error', message, fields),
  };
}

/** A logger that keeps lines in memory, for tests that read what was logged. */
export function createMemoryLogger() {
  const lines: string[] = [];
  return { logger: createLogger((line) => lines.push(line)), lines };
}
