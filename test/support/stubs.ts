import type { GoogleTokenIdentity, GoogleTokenVerifier } from '../../backend/auth/google-token-verifier.ts';
import { CalendarFailure } from '../../backend/meet/calendar-failure.ts';
import type { CreateMeetEventInput, MeetCalendar } from '../../backend/meet/google-calendar.ts';

/** A Calendar stand-in for unit-level tests: records calls, can be told to fail. */
export function stubCalendar() {
  const calls: CreateMeetEventInput[] = [];
  let failure: Error | undefined;
  const calendar: MeetCalendar & { calls: CreateMeetEventInput[]; failWith(error?: Error): void; succeed(): void } = {
    calls,
    failWith(error = new CalendarFailure('unavailable', 'Google Calendar is unavailable (HTTP 503).', true)) {
      failure = error;
    },
    succeed() {
      failure = undefined;
    },
    async createMeetEvent(input) {
      calls.push(input);
      if (failure) throw failure;
      return {
        meetLink: `https://meet.google.com/${input.eventId.slice(2, 5)}-${input.eventId.slice(5, 9)}-${input.eventId.slice(9, 12)}`,
      };
    },
    async endEvent() {},
    async deleteEvent() {},
  };
  return calendar;
}

/** A tokeninfo stand-in: tokens are whatever the test registers. */
export function stubTokenVerifier(identities: Record<string, GoogleTokenIdentity>): GoogleTokenVerifier {
  return { verify: async (token) => identities[token] };
}
