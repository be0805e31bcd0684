import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTestServiceAccount, startGoogleEmulator, type GoogleEmulator } from '../../test/emulators/index.ts';
import { createDelegatedAuth } from '../google/delegated-auth.ts';
import { createKeySigner } from '../google/jwt-signers.ts';
import { CalendarFailure } from './calendar-failure.ts';
import { calendarEventIdFor } from './event-id.ts';
import { createGoogleCalendar, type MeetCalendar } from './google-calendar.ts';

// The Calendar adapter with the real googleapis client and a real service-account JWT, against the Google emulator.
const account = createTestServiceAccount();
const subject = 'ada@example.com';
let google: GoogleEmulator;
let calendar: MeetCalendar;
let n = 0;

const input = () => {
  const sessionId = `0b8f3a52-5a7c-4d7e-9a43-${String(++n).padStart(12, '0')}`;
  const start = new Date('2026-11-23T10:00:00Z');
  return {
    subject,
    eventId: calendarEventIdFor(sessionId),
    sessionId,
    customerName: 'Grace',
    start,
    end: new Date(start.getTime() + 3_600_000),
  };
};

const failureOf = async (promise: Promise<unknown>) => {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(CalendarFailure);
  return error as CalendarFailure;
};

beforeAll(async () => {
  google = await startGoogleEmulator({
    serviceAccounts: [account],
    delegations: { [account.clientEmail]: [subject] },
  });
  calendar = createGoogleCalendar({
    delegated: createDelegatedAuth({ signer: createKeySigner(account.json), oauthUrl: google.url, timeoutMs: 5_000 }),
    apiUrl: google.url,
    retryBaseDelayMs: 5,
    pendingPollIntervalMs: 5,
    pendingMaxPolls: 3,
  });
});
afterAll(async () => google?.close());
beforeEach(() => google.reset());

describe('Google Calendar adapter', () => {
  it('creates an event with a Meet conference on the solver calendar and returns the video link', async () => {
    const request = input();
    const { meetLink } = await calendar.createMeetEvent(request);
    expect(meetLink).toMatch(/^https:\/\/meet\.google\.com\/[a-z]{3}-[a-z]{4}-[a-z]{3}$/);
    const [event] = google.calendar.events(subject);
    expect(event).toMatchObject({
      id: request.eventId,
      summary: 'SavvySolve Support Session - Grace',
      description: `Support session ID: ${request.sessionId}`,
    });
    const insert = google.requests('events.insert')[0]!;
    expect(insert.query.conferenceDataVersion).toBe('1');
    expect(insert.body.conferenceData.createRequest.conferenceSolutionKey.type).toBe('hangoutsMeet');
    expect(insert.body.conferenceData.createRequest.requestId).toMatch(new RegExp(`^savvysolve-${request.sessionId}-\\d+$`));
  });

  it('answers a second request for the same session with the same event (409, then fetched)', async () => {
    const request = input();
    const first = await calendar.createMeetEvent(request);
    const second = await calendar.createMeetEvent(request);
    expect(second.meetLink).toBe(first.meetLink);
    expect(google.calendar.events(subject)).toHaveLength(1);
  });

  it('polls a pending conference and gives up after the bound', async () => {
    google.setConferenceMode({ pendingPolls: 2 });
    expect((await calendar.createMeetEvent(input())).meetLink).toMatch(/meet\.google\.com/);
    google.setConferenceMode({ pendingPolls: 50 });
    expect((await failureOf(calendar.createMeetEvent(input()))).kind).toBe('pending_timeout');
  });

  it('retries 503 within its budget, then succeeds', async () => {
    google.faults.set('events.insert', { status: 503, times: 2 });
    expect((await calendar.createMeetEvent(input())).meetLink).toMatch(/meet\.google\.com/);
    expect(google.requests('events.insert')).toHaveLength(3);
  });

  it('gives up on a persistent 429 after its attempts, and never retries a refusal', async () => {
    google.faults.set('events.insert', { status: 429 });
    const limited = await failureOf(calendar.createMeetEvent(input()));
    expect(limited.kind).toBe('rate_limited');
    expect(google.requests('events.insert')).toHaveLength(3);
    google.reset();
    google.setConferenceTypeAllowed(false);
    await failureOf(calendar.createMeetEvent(input()));
    expect(google.requests('events.insert')).toHaveLength(1);
  });

  it('names the failure when delegation is missing or Meet is not allowed', async () => {
    const stranger = { ...input(), subject: 'mallory@example.com' };
    const delegation = await failureOf(calendar.createMeetEvent(stranger));
    expect(delegation.kind).toBe('delegation_not_granted');
    expect(delegation.message).toContain(account.clientId);
    google.setConferenceTypeAllowed(false);
    expect((await failureOf(calendar.createMeetEvent(input()))).kind).toBe('conference_not_allowed');
  });

  it('ends an event by moving its end, and treats a deleted event as ended', async () => {
    const request = input();
    await calendar.createMeetEvent(request);
    const at = new Date('2026-11-23T10:20:00Z');
    await calendar.endEvent({ subject, eventId: request.eventId, at });
    expect(Date.parse(google.calendar.events(subject)[0]!.end.dateTime!)).toBe(at.getTime());
    await expect(
      calendar.endEvent({ subject, eventId: calendarEventIdFor('0b8f3a52-5a7c-4d7e-9a43-ffffffffffff'), at }),
    ).resolves.toBeUndefined();
  });
});
