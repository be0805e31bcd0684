import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseHandle } from '../db/client.ts';
import { rateLimits, webhookReceipts } from '../db/schema.ts';
import { cleanUp } from './housekeeping.ts';
import { openMemoryPglite } from '../../test/support/pglite-template.ts';

let database: DatabaseHandle;
beforeAll(async () => {
  database = await openMemoryPglite();
});
afterAll(async () => database?.close());

describe('housekeeping', () => {
  it('forgets webhook ids after 7 days and rate-limit windows after a day, and keeps the rest', async () => {
    const db = database.db;
    await db.insert(webhookReceipts).values([
      { webhookId: 'old', type: 'session.upserted', outcome: 'created', receivedAt: sql`now() - interval '8 days'` },
      { webhookId: 'recent', type: 'session.upserted', outcome: 'created', receivedAt: sql`now() - interval '6 days'` },
    ]);
    await db.insert(rateLimits).values([
      { key: 'old', windowStart: sql`now() - interval '25 hours'`, count: 3 },
      { key: 'current', windowStart: sql`now()`, count: 1 },
    ]);
    expect(await cleanUp(db)).toBe(2);
    expect((await db.select().from(webhookReceipts)).map((row) => row.webhookId)).toEqual(['recent']);
    expect((await db.select().from(rateLimits)).map((row) => row.key)).toEqual(['current']);
  });
});
