import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stubCalendar } from '../../test/support/stubs.ts';
import type { DatabaseHandle } from '../db/client.ts';
import { sessions, solvers } from '../db/schema.ts';
import { createMemoryLogger } from '../logger.ts';
import { createDiscardEventWorker } from './discard-event-worker.ts';
import { calendarEventIdFor } from './event-id.ts';
import { openMemoryPglite } from '../../test/support/pglite-template.ts';

let database: DatabaseHandle;
let solverId: string;
beforeAll(async () => {
  database = await openMemoryPglite();
  const [solver] = await database.db
    .insert(solvers)
    .values({ name: 'Ada', email: 'ada@example.com', employment: 'employed', googleEmail: 'ada@example.com' })
    .returning();
  solverId = solver!.id;
});
afterAll(async () => database?.close());

const sessionWith = async (meetLinkSource: 'captured' | 'calendar') =>
  (
    await database.db
      .insert(sessions)
      .values({
        solverId,
        customerName: 'Grace',
        customerPhone: '+14155550123',
        meetLink: 'https://meet.google.com/abc-defg-hij',
        meetLinkSource,
      })
      .returning()
  )[0]!.id;

describe('late Calendar event of a captured session', () => {
  it('deletes the event with the session’s id for a captured link, and leaves a Calendar link’s event alone', async () => {
    const calendar = stubCalendar();
    const deleted: string[] = [];
    calendar.deleteEvent = async ({ subject, eventId }) => void deleted.push(`${subject}/${eventId}`);
    const worker = createDiscardEventWorker(database.db, calendar, createMemoryLogger().logger);
    const captured = await sessionWith('captured');
    const fromCalendar = await sessionWith('calendar');
    await worker({ sessionId: captured }, { attempt: 1, isLastAttempt: false });
    await worker({ sessionId: fromCalendar }, { attempt: 1, isLastAttempt: false });
    expect(deleted).toEqual([`ada@example.com/${calendarEventIdFor(captured)}`]);
  });
});
