import { AsyncLocalStorage } from 'node:async_hooks';
import { pino, type DestinationStream, type Level } from 'pino';

/** Structured one-line logs (JSON). Callers pass facts; the redaction list below is the safety net. */
export type Logger = {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
};

export type LogLevel = Level | 'silent';

/**
 * Field paths pino replaces with "[redacted]" on every line: credentials, and the customer's name and number.
 * A field that must be logged about a customer is the session id.
 */
export const REDACTED_PATHS = [
  'authorization',
  'headers.authorization',
  'token',
  'accessToken',
  'googleAccessToken',
  'apiKey',
  'secret',
  'password',
  'customerName',
  'customerPhone',
  'phone',
  'to',
  '*.authorization',
  '*.token',
  '*.googleAccessToken',
  '*.customerName',
  '*.customerPhone',
  '*.phone',
];

const context = new AsyncLocalStorage<{ requestId: string }>();

/** Runs `work` with `requestId` on every log line written meanwhile (the request's middleware calls it). */
export function withRequestId<T>(requestId: string, work: () => T): T {
  return context.run({ requestId }, work);
}

/**
 * A pino logger behind the Logger type: `{"level","time","requestId"?,…fields,"message"}` per line, errors passed as
 * `error`/`err` serialized as objects (type, message, stack, cause), REDACTED_PATHS censored. `level`: LOG_LEVEL.
 * `write` receives each line (tests keep them); stdout by default.
 */
export function createLogger({ level = 'info', write }: { level?: LogLevel; write?: (line: string) => void } = {}): Logger {
  const destination: DestinationStream = write ? { write: (line: string) => write(line.trimEnd()) } : pino.destination({ sync: true });
  const base = pino(
    {
      level,
      base: undefined,
      messageKey: 'message',
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      serializers: { error: pino.stdSerializers.err, err: pino.stdSerializers.err },
      mixin: () => context.getStore() ?? {},
    },
    destination,
  );
  return {
    info: (message, fields) => base.info(fields ?? {}, message),
    warn: (message, fields) => base.warn(fields ?? {}, message),
    error: (message, fields) => base.error(fields ?? {}, message),
  };
}

/** A logger that keeps lines in memory, for tests that read what was logged. */
export function createMemoryLogger() {
  const lines: string[] = [];
  return { logger: createLogger({ write: (line) => lines.push(line) }), lines };
}
