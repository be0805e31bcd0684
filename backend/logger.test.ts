import { describe, expect, it } from 'vitest';
import { createLogger, createMemoryLogger, withRequestId } from './logger.ts';

const parse = (line: string) => JSON.parse(line) as Record<string, unknown>;

describe('logger (pino)', () => {
  it('writes one JSON line with level, time, fields and message', () => {
    const { logger, lines } = createMemoryLogger();
    logger.warn('sms attempt failed', { deliveryId: 'd1', attempt: 2 });
    expect(parse(lines[0]!)).toMatchObject({ level: 'warn', deliveryId: 'd1', attempt: 2, message: 'sms attempt failed' });
    expect(Date.parse(parse(lines[0]!).time as string)).not.toBeNaN();
  });

  it('censors credentials and the customer’s name and number wherever they appear', () => {
    const { logger, lines } = createMemoryLogger();
    logger.info('oops', {
      authorization: 'Bearer secret-token',
      headers: { authorization: 'Bearer secret-token' },
      token: 'eyJhbGciOi.secret',
      googleAccessToken: 'ya29.secret',
      customerName: 'Grace Hopper',
      customerPhone: '+14155550123',
      to: '+14155550123',
      session: { customerName: 'Grace Hopper', customerPhone: '+14155550123' },
    });
    for (const secret of ['secret-token', 'eyJhbGciOi', 'ya29', 'Grace', '+14155550123']) expect(lines[0]).not.toContain(secret);
    expect(parse(lines[0]!).customerPhone).toBe('[redacted]');
  });

  it('puts the request id on every line logged while the request runs', async () => {
    const { logger, lines } = createMemoryLogger();
    await withRequestId('req-1', async () => {
      await new Promise(setImmediate); // across a turn of the event loop, not just a microtask
      logger.info('inside');
    });
    logger.info('outside');
    expect(parse(lines[0]!)).toMatchObject({ requestId: 'req-1', message: 'inside' });
    expect(parse(lines[1]!).requestId).toBeUndefined();
  });

  it('logs an error as an object with its type, message, stack and cause', () => {
    const { logger, lines } = createMemoryLogger();
    logger.error('unexpected', { error: new Error('outer', { cause: new TypeError('inner') }) });
    const error = parse(lines[0]!).error as Record<string, unknown>;
    expect(error).toMatchObject({ type: 'Error', message: expect.stringContaining('outer') });
    expect(String(error.stack)).toContain('logger.test.ts');
    expect(JSON.stringify(error)).toContain('inner');
  });

  it('honours LOG_LEVEL', () => {
    const lines: string[] = [];
    const logger = createLogger({ level: 'warn', write: (line) => lines.push(line) });
    logger.info('hidden');
    logger.warn('shown');
    expect(lines.map((line) => parse(line).message)).toEqual(['shown']);
  });
});
