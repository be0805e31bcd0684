import { calendar_v3 } from '../google/google-apis.ts';
import type { DelegatedAuth } from '../google/delegated-auth.ts';
import { CALENDAR_SCOPES } from '../google/scopes.ts';
import { CalendarFailure, diagnoseCalendarError } from './calendar-failure.ts';

export type CreateMeetEventInput = {
  /** The solver's Google email: delegation subject and calendar id. */
  subject: string;
  eventId: string;
  sessionId: string;
  customerName: string;
  start: Date;
  end: Date;
};

/** The Calendar operations the product needs. */
export type MeetCalendar = {
  /** Creates (or, if it already exists, fetches) the event with a Meet conference; throws CalendarFailure. */
  createMeetEvent(input: CreateMeetEventInput): Promise<{ meetLink: string }>;
  /** Ends the event now; an event already gone counts as ended. */
  endEvent(input: { subject: string; eventId: string; at: Date }): Promise<void>;
  /** Deletes the event (the doctor's throwaway check); an event already gone counts as deleted. */
  deleteEvent(input: { subject: string; eventId: string }): Promise<void>;
};

export type GoogleCalendarOptions = {
  /** Delegated tokens acting as each solver (key or keyless). */
  delegated: DelegatedAuth;
  apiUrl: string;
  requestTimeoutMs?: number;
  /** Attempts for retryable failures (429, 5xx, rate limits, timeouts), with exponential backoff. */
  maxAttempts?: number;
  retryBaseDelayMs?: number;
  pendingPollIntervalMs?: number;
  pendingMaxPolls?: number;
};

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Calendar v3 through googleapis, acting as each solver through the service account's delegation. */
export function createGoogleCalendar(options: GoogleCalendarOptions): MeetCalendar {
  const timeout = options.requestTimeoutMs ?? 8_000;
  const maxAttempts = options.maxAttempts ?? 3;
  const baseDelay = options.retryBaseDelayMs ?? 250;
  const { delegated } = options;
  const clients = new Map<string, calendar_v3.Calendar>();
  const clientFor = (subject: string) => {
    let calendar = clients.get(subject);
    if (!calendar) {
      calendar = new calendar_v3.Calendar({ auth: delegated.forSubject(subject, CALENDAR_SCOPES), rootUrl: `${options.apiUrl}/` });
      clients.set(subject, calendar);
    }
    return calendar;
  };

  const withRetries = async <T>(subject: string, call: () => Promise<T>): Promise<T> => {
    for (let attempt = 1; ; attempt++) {
      try {
        return await call();
      } catch (error) {
        const failure = diagnoseCalendarError(error, subject, delegated.signer);
        if (!failure.retryable || attempt >= maxAttempts) throw failure;
        await sleep(baseDelay * 2 ** (attempt - 1) * (0.5 + Math.random()));
      }
    }
  };

  const request = { timeout, retry: false };

  return {
    async createMeetEvent(input) {
      const calendar = clientFor(input.subject);
      const calendarId = input.subject;
      let event = await withRetries(input.subject, async () => {
        try {
          const response = await calendar.events.insert(
            {
              calendarId,
              conferenceDataVersion: 1,
              requestBody: {
                id: input.eventId,
                summary: `SavvySolve Support Session - ${input.customerName}`,
                description: `Support session ID: ${input.sessionId}`,
                start: { dateTime: input.start.toISOString() },
                end: { dateTime: input.end.toISOString() },
                conferenceData: {
                  createRequest: {
                    requestId: `savvysolve-${input.sessionId}-${Date.now()}`,
                    conferenceSolutionKey: { type: 'hangoutsMeet' },
                  },
                },
              },
            },
            request,
          );
          return response.data;
        } catch (error) {
          // Already created by an earlier attempt, another click or another instance: use that one.
          if ((error as { status?: number }).status === 409) {
            return (await calendar.events.get({ calendarId, eventId: input.eventId }, request)).data;
          }
          throw error;
        }
      });

      const pollInterval = options.pendingPollIntervalMs ?? 400;
      const maxPolls = options.pendingMaxPolls ?? 10;
      for (let poll = 0; conferenceStatus(event) === 'pending'; poll++) {
        if (poll >= maxPolls) {
          throw new CalendarFailure('pending_timeout', `Google kept the Meet conference for ${input.subject} pending for too long.`);
        }
        await sleep(pollInterval);
        event = await withRetries(
          input.subject,
          async () => (await calendar.events.get({ calendarId, eventId: input.eventId }, request)).data,
        );
      }

      const meetLink = event.conferenceData?.entryPoints?.find((entry) => entry.entryPointType === 'video')?.uri;
      if (!meetLink) {
        throw new CalendarFailure(
          'no_video_entry_point',
          `Google created the event on ${input.subject}'s calendar without a Meet video link (conference status: ${conferenceStatus(event) ?? 'none'}).`,
        );
      }
      return { meetLink };
    },

    endEvent: ({ subject, eventId, at }) =>
      withRetries(subject, () =>
        ignoreGone(
          clientFor(subject).events.patch(
            { calendarId: subject, eventId, conferenceDataVersion: 1, requestBody: { end: { dateTime: at.toISOString() } } },
            request,
          ),
        ),
      ),

    deleteEvent: ({ subject, eventId }) =>
      withRetries(subject, () => ignoreGone(clientFor(subject).events.delete({ calendarId: subject, eventId }, request))),
  };
}

/** 404 / 410: the event is already gone, which is what ending or deleting wanted. */
async function ignoreGone(call: Promise<unknown>): Promise<void> {
  try {
    await call;
  } catch (error) {
    const status = (error as { status?: number }).status;
    if (status !== 404 && status !== 410) throw error;
  }
}

function conferenceStatus(event: calendar_v3.Schema$Event) {
  return event.conferenceData?.createRequest?.status?.statusCode ?? undefined;
}
