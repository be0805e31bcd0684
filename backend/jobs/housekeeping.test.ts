import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseHandle } from '../db/client.ts';
import { meetConferenceRecords, meetEventSubscriptions, rateLimits, webhookReceipts } from '../db/schema.ts';
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

  it('forgets Meet conference records and ended Meet events subscriptions after 7 days, and keeps live ones', async () => {
    const db = database.db;
    const record = (name: string, readAt: ReturnType<typeof sql>) => ({ name, spaceName: 'spaces/x', participants: [], readAt });
    await db
      .insert(meetConferenceRecords)
      .values([
        record('conferenceRecords/old', sql`now() - interval '8 days'`),
        record('conferenceRecords/recent', sql`now() - interval '6 days'`),
      ]);
    const subscription = (target: string, state: string, days: number) => ({
      targetResource: `//meet.googleapis.com/spaces/${target}`,
      subject: 'ada@example.com',
      state,
      updatedAt: sql`now() - make_interval(days => ${days})`,
    });
    await db
      .insert(meetEventSubscriptions)
      .values([
        subscription('deleted-old', 'deleted', 8),
        subscription('expired-old', 'expired', 8),
        subscription('deleted-recent', 'deleted', 6),
        subscription('active-old', 'active', 8),
      ]);
    expect(await cleanUp(db)).toBe(3);
    expect((await db.select().from(meetConferenceRecords)).map((row) => row.name)).toEqual(['conferenceRecords/recent']);
    expect((await db.select().from(meetEventSubscriptions)).map((row) => row.targetResource.split('/').at(-1)).sort()).toEqual([
      'active-old',
      'deleted-recent',
    ]);
  });
});
