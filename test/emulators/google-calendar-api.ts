import { randomBytes, randomInt } from 'node:crypto';
import type { EmulatorApp } from './emulator-app.ts';
import type { Conferences, ConferenceData } from './google-conference.ts';
import { googleError } from './google-errors.ts';
import type { TokenStore } from './google-tokens.ts';

export type CalendarRoute = 'events.insert' | 'events.get' | 'events.patch' | 'events.delete';

/** Timed events only: the emulator does not model all-day (`date`) events. */
export type EventTime = { dateTime: string; timeZone?: string };
/** A Calendar v3 event as the emulator stores and returns it; other fields the client sent are kept as-is. */
export type CalendarEvent = {
  kind: 'calendar#event';
  etag: string;
  id: string;
  status: 'confirmed' | 'tentative' | 'cancelled';
  htmlLink: string;
  created: string;
  updated: string;
  summary?: string;
  description?: string;
  creator: { email: string };
  organizer: { email: string; self: true };
  start: EventTime;
  end: EventTime;
  iCalUID: string;
  sequence: number;
  hangoutLink?: string;
  conferenceData?: ConferenceData;
  [field: string]: unknown;
};

export type CalendarOptions = {
  tokens: TokenStore;
  conferences: Conferences;
};

export type CalendarStore = {
  /** Stored events (copies), cancelled ones included; of one calendar (owner email) when given. */
  events(calendarId?: string): CalendarEvent[];
  /** Events created so far. */
  insertCount(): number;
  clear(): void;
};

const CALENDAR_SCOPES = ['https://www.googleapis.com/auth/calendar', 'https://www.googleapis.com/auth/calendar.events'];
const EVENT_ID = /^[a-v0-9]{5,1024}$/;
const SERVER_FIELDS = new Set([
  'kind',
  'etag',
  'id',
  'status',
  'htmlLink',
  'created',
  'updated',
  'creator',
  'organizer',
  'start',
  'end',
  'iCalUID',
  'sequence',
  'hangoutLink',
  'conferenceData',
]);
const CREDENTIALS_HINT =
  'Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.';

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Calendar v3 events insert/get/patch/delete at the paths googleapis requests, kept per calendar (owner email). */
export function registerCalendarRoutes(
  { app, route }: Pick<EmulatorApp<CalendarRoute>, 'app' | 'route'>,
  options: CalendarOptions,
): CalendarStore {
  const calendars = new Map<string, Map<string, CalendarEvent>>();
  let inserts = 0;

  /** The token's calendar, or Google's error. */
  const authorize = (authorization: string | undefined, calendarId: string) => {
    const bearer = authorization?.match(/^Bearer\s+(\S+)$/i)?.[1];
    if (!bearer) return googleError(401, 'required', `Request is missing required authentication credential. ${CREDENTIALS_HINT}`);
    const token = options.tokens.lookup(bearer);
    if (!token) return googleError(401, 'authError', `Request had invalid authentication credentials. ${CREDENTIALS_HINT}`);
    if (!token.scopes.some((scope) => CALENDAR_SCOPES.includes(scope))) {
      return googleError(403, 'insufficientPermissions', 'Request had insufficient authentication scopes.');
    }
    const owner = token.email.toLowerCase();
    // Another user's calendar that was never shared looks like no calendar at all.
    if (calendarId.toLowerCase() !== 'primary' && calendarId.toLowerCase() !== owner) return googleError(404, 'notFound', 'Not Found');
    let calendar = calendars.get(owner);
    if (!calendar) calendars.set(owner, (calendar = new Map()));
    return { token, owner, calendar };
  };

  const path = '/calendar/v3/calendars/:calendarId/events';

  app.post(path, route('events.insert'), (c) => {
    const auth = authorize(c.req.header('authorization'), c.req.param('calendarId'));
    if (auth instanceof Response) return auth;
    const input = c.get('body');
    if (!isObject(input)) return googleError(400, 'parseError', 'Parse Error');
    const times = checkTimes(input.start, input.end);
    if (times instanceof Response) return times;
    const id = input.id ?? randomBytes(16).toString('hex');
    if (typeof id !== 'string' || !EVENT_ID.test(id)) return googleError(400, 'invalid', 'Invalid resource id value.');
    if (auth.calendar.has(id)) return googleError(409, 'duplicate', 'The requested identifier already exists.');
    const now = new Date().toISOString();
    const event: CalendarEvent = {
      ...clientFields(input),
      kind: 'calendar#event',
      etag: newEtag(),
      id,
      status: input.status === 'tentative' ? 'tentative' : 'confirmed',
      htmlLink: `https://www.google.com/calendar/event?eid=${Buffer.from(`${id} ${auth.owner}`).toString('base64url')}`,
      created: now,
      updated: now,
      creator: { email: auth.token.email },
      organizer: { email: auth.owner, self: true },
      start: times.start,
      end: times.end,
      iCalUID: `${id}@google.com`,
      sequence: 0,
      reminders: { useDefault: true },
      eventType: 'default',
    };
    // Without conferenceDataVersion=1 Google silently drops conferenceData.
    if (c.req.query('conferenceDataVersion') === '1') {
      const refused = options.conferences.start(event, input.conferenceData, auth.token);
      if (refused) return refused;
    }
    auth.calendar.set(id, event);
    inserts += 1;
    return c.json(event);
  });

  app.get(`${path}/:eventId`, route('events.get'), (c) => {
    const auth = authorize(c.req.header('authorization'), c.req.param('calendarId'));
    if (auth instanceof Response) return auth;
    const event = auth.calendar.get(c.req.param('eventId'));
    if (!event) return googleError(404, 'notFound', 'Not Found');
    options.conferences.poll(event);
    return c.json(event);
  });

  app.patch(`${path}/:eventId`, route('events.patch'), (c) => {
    const auth = authorize(c.req.header('authorization'), c.req.param('calendarId'));
    if (auth instanceof Response) return auth;
    const event = auth.calendar.get(c.req.param('eventId'));
    if (!event) return googleError(404, 'notFound', 'Not Found');
    const input = c.get('body');
    if (!isObject(input)) return googleError(400, 'parseError', 'Parse Error');
    const times = checkTimes(input.start ?? event.start, input.end ?? event.end);
    if (times instanceof Response) return times;
    Object.assign(event, clientFields(input), {
      start: times.start,
      end: times.end,
      updated: new Date().toISOString(),
      etag: newEtag(),
      ...(['confirmed', 'tentative', 'cancelled'].includes(input.status as string) ? { status: input.status } : {}),
    });
    if (c.req.query('conferenceDataVersion') === '1' && !event.conferenceData) {
      const refused = options.conferences.start(event, input.conferenceData, auth.token);
      if (refused) return refused;
    }
    return c.json(event);
  });

  app.delete(`${path}/:eventId`, route('events.delete'), (c) => {
    const auth = authorize(c.req.header('authorization'), c.req.param('calendarId'));
    if (auth instanceof Response) return auth;
    const event = auth.calendar.get(c.req.param('eventId'));
    if (!event) return googleError(404, 'notFound', 'Not Found');
    if (event.status === 'cancelled') return googleError(410, 'deleted', 'Resource has been deleted');
    Object.assign(event, { status: 'cancelled', updated: new Date().toISOString(), etag: newEtag() });
    return c.body(null, 204);
  });

  return {
    events: (calendarId) =>
      [...calendars.entries()]
        .filter(([owner]) => calendarId === undefined || owner === calendarId.toLowerCase())
        .flatMap(([, events]) => [...events.values()].map((event) => structuredClone(event))),
    insertCount: () => inserts,
    clear() {
      calendars.clear();
      options.conferences.clear();
      inserts = 0;
    },
  };
}

function clientFields(input: Json): Json {
  return Object.fromEntries(Object.entries(input).filter(([key]) => !SERVER_FIELDS.has(key)));
}

function newEtag() {
  return `"${Date.now()}${randomInt(1000)}"`;
}

/** Start and end as Google requires them, or its 400. */
function checkTimes(start: unknown, end: unknown): { start: EventTime; end: EventTime } | Response {
  const given: Record<string, unknown> = { start, end };
  const parsed: EventTime[] = [];
  for (const name of ['start', 'end']) {
    const time = given[name];
    if (!isObject(time) || (time.dateTime === undefined && time.date === undefined)) {
      return googleError(400, 'required', `Missing ${name} time.`);
    }
    if (typeof time.dateTime !== 'string') {
      return googleError(400, 'invalid', `The emulator only models timed events: ${name}.dateTime is required.`);
    }
    if (Number.isNaN(Date.parse(time.dateTime))) return googleError(400, 'invalid', `Invalid ${name} time.`);
    parsed.push({ dateTime: time.dateTime, ...(typeof time.timeZone === 'string' ? { timeZone: time.timeZone } : {}) });
  }
  const [startTime, endTime] = parsed as [EventTime, EventTime];
  if (Date.parse(endTime.dateTime) < Date.parse(startTime.dateTime)) {
    return googleError(400, 'timeRangeEmpty', 'The specified time range is empty.');
  }
  return { start: startTime, end: endTime };
}
