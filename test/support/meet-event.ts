import type { calendar_v3 } from '../../backend/google/google-apis.ts';

/** Inserts a one-hour event with a Meet conference on `calendarId` (as the backend does); its meeting code. */
export async function insertMeetEvent(calendar: calendar_v3.Calendar, calendarId: string): Promise<string> {
  const { data } = await calendar.events.insert({
    calendarId,
    conferenceDataVersion: 1,
    requestBody: {
      start: { dateTime: new Date().toISOString() },
      end: { dateTime: new Date(Date.now() + 3_600_000).toISOString() },
      conferenceData: { createRequest: { requestId: `r-${Math.random()}`, conferenceSolutionKey: { type: 'hangoutsMeet' } } },
    },
  });
  return data.conferenceData!.conferenceId!;
}
