const MEETING_CODE = /\/([a-z]{3}-[a-z]{4}-[a-z]{3})$/;

/**
 * The meeting code of a Meet room URL (`https://meet.google.com/abc-defg-hij` → `abc-defg-hij`; the Calendar
 * event's `conferenceData.conferenceId`), or undefined for anything else (e.g. `meet.google.com/new`).
 */
export function meetingCodeOf(meetLink: string): string | undefined {
  return MEETING_CODE.exec(meetLink.split(/[?#]/)[0]!)?.[1];
}
