/**
 * The Calendar event id for a session: chosen by us and derived from the session id, so every click,
 * retry and instance asks Google for the same event and a duplicate answers 409 instead of creating a second.
 * Calendar ids are base32hex (`[a-v0-9]`); a UUID's hex digits already are.
 */
export const calendarEventIdFor = (sessionId: string) => `ss${sessionId.replaceAll('-', '').toLowerCase()}`;
