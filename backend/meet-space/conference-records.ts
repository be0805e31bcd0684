import { desc, eq, sql } from 'drizzle-orm';
import type { Database, Transaction } from '../db/client.ts';
import { meetConferenceRecords, type StoredMeetParticipant } from '../db/schema.ts';
import type { MeetConference } from './google-meet-spaces.ts';

/** A stored conference record: the space it was held in, with the call as last read from Google. */
export type StoredConference = { spaceName: string; conference: MeetConference };

const date = (value: string | null) => (value ? new Date(value) : null);

function conferenceOf(row: typeof meetConferenceRecords.$inferSelect): MeetConference {
  return {
    name: row.name,
    startTime: row.startTime,
    endTime: row.endTime,
    participants: row.participants.map((participant) => ({
      user: participant.user ?? undefined,
      earliestStartTime: date(participant.earliestStartTime),
      latestEndTime: date(participant.latestEndTime),
    })),
  };
}

/** The stored record `conferenceRecords/{id}`, or undefined when it was never read. */
export async function storedConference(db: Database, recordName: string): Promise<StoredConference | undefined> {
  const [row] = await db.select().from(meetConferenceRecords).where(eq(meetConferenceRecords.name, recordName));
  return row && { spaceName: row.spaceName, conference: conferenceOf(row) };
}

/** Every stored record of `spaces/{id}`, newest first (as `MeetSpaces.conferences` answers). */
export async function storedConferences(db: Database | Transaction, spaceName: string): Promise<MeetConference[]> {
  const rows = await db
    .select()
    .from(meetConferenceRecords)
    .where(eq(meetConferenceRecords.spaceName, spaceName))
    .orderBy(desc(meetConferenceRecords.startTime));
  return rows.map(conferenceOf);
}

/**
 * Stores (or replaces) what Google showed of these records of `spaces/{id}`: their times and every participant.
 * Called inside the transaction that stores the attendance read from them, so the rows and the attendance agree.
 */
export async function storeConferences(tx: Transaction, spaceName: string, conferences: MeetConference[]): Promise<void> {
  if (conferences.length === 0) return;
  const iso = (value: Date | null) => value?.toISOString() ?? null;
  await tx
    .insert(meetConferenceRecords)
    .values(
      conferences.map((conference) => ({
        name: conference.name,
        spaceName,
        startTime: conference.startTime,
        endTime: conference.endTime,
        participants: conference.participants.map((participant): StoredMeetParticipant => ({
          user: participant.user ?? null,
          earliestStartTime: iso(participant.earliestStartTime),
          latestEndTime: iso(participant.latestEndTime),
        })),
      })),
    )
    .onConflictDoUpdate({
      target: meetConferenceRecords.name,
      set: {
        startTime: sql`excluded.start_time`,
        endTime: sql`excluded.end_time`,
        participants: sql`excluded.participants`,
        readAt: sql`now()`,
      },
    });
}
