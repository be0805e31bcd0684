import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, rowsOf, type DatabaseHandle } from '../db/client.ts';
import { createMemoryLogger } from '../logger.ts';
import { startJobQueue } from './job-queue.ts';

describe('queue options at start', () => {
  let database: DatabaseHandle;
  beforeAll(async () => {
    database = await openDatabase({ kind: 'pglite', dataDir: 'memory://' });
  });
  afterAll(async () => database?.close());

  const retryDelays = async () =>
    Object.fromEntries(
      rowsOf<{ name: string; retry_delay: number }>(
        await database.db.execute(sql`select name, retry_delay from pgboss.queue where name in ('sms.send', 'meet.space-setup')`),
      ).map((row) => [row.name, row.retry_delay]),
    );
  const startAndStop = async (retryDelaySeconds?: number) =>
    (await startJobQueue(database, createMemoryLogger().logger, { supervise: false, retryDelaySeconds })).stop();

  it('creates each queue, and updates only those whose options changed since the last start', { timeout: 30_000 }, async () => {
    await startAndStop();
    expect(await retryDelays()).toEqual({ 'sms.send': 2, 'meet.space-setup': 1 });
    await startAndStop(7);
    expect(await retryDelays()).toEqual({ 'sms.send': 7, 'meet.space-setup': 7 });
    await startAndStop();
    expect(await retryDelays()).toEqual({ 'sms.send': 2, 'meet.space-setup': 1 });
  });
});
