import { randomInt } from 'node:crypto';
import { googleError } from './google-errors.ts';
import type { IssuedToken } from './google-tokens.ts';

export type EntryPoint = { entryPointType: 'video' | 'phone' | 'more'; uri: string; label?: string; pin?: string; regionCode?: string };
export type ConferenceData = {
  createRequest?: {
    requestId?: string;
    conferenceSolutionKey: { type: string };
    status: { statusCode: 'pending' | 'success' | 'failure' };
  };
  conferenceSolution?: { key: { type: string }; name: string; iconUri: string };
  entryPoints?: EntryPoint[];
  conferenceId?: string;
};
/** The part of an event a conference lives in. */
export type WithConference = { conferenceData?: ConferenceData; hangoutLink?: string };

/** 'success': the Meet room is ready at once; 'pending': never; `{ pendingPolls: n }`: `events.get` shows it pending n times, then ready. */
export type ConferenceMode = 'success' | 'pending' | { pendingPolls: number };

export type ConferenceOptions = {
  meetBaseUrl(): string;
  mode(): ConferenceMode;
  /** Whether Google adds a Meet conference for this token; else "Invalid conference type value." */
  allowed(token: IssuedToken): boolean;
  /** Called when a conference becomes ready: its Meet space now exists, owned by the user who created the event. */
  created?(conference: CreatedConference): void;
};

/** A ready Meet conference: `meetingCode` is the event's `conferenceData.conferenceId`. */
export type CreatedConference = { meetingCode: string; meetingUri: string; owner: string };

export type Conferences = {
  /** Handles `conferenceData.createRequest`: Google's 400 when refused; nothing to do without a createRequest. */
  start(event: WithConference, conferenceData: unknown, token: IssuedToken): Response | undefined;
  /** One `events.get` of the event: a pending conference gets one poll closer to ready. */
  poll(event: WithConference): void;
  clear(): void;
};

const MEET_SOLUTION = {
  key: { type: 'hangoutsMeet' },
  name: 'Google Meet',
  iconUri: 'https://fonts.gstatic.com/s/i/productlogos/meet_2020q4/v6/web-512dp/logo_meet_2020q4_color_2x_web_512dp.png',
};

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const letters = (n: number) => Array.from({ length: n }, () => String.fromCharCode(97 + randomInt(26))).join('');
const digits = (n: number) => Array.from({ length: n }, () => randomInt(10)).join('');

/** Google Meet conferences on events: created at once or after some polls, as `conferenceMode` says. */
export function createConferences(options: ConferenceOptions): Conferences {
  const pending = new Map<WithConference, { polls: number; owner: string }>();

  const complete = (event: WithConference, owner: string) => {
    const code = `${letters(3)}-${letters(4)}-${letters(3)}`;
    const uri = `${options.meetBaseUrl()}/${code}`;
    const phone = `+1 ${digits(3)}-${digits(3)}-${digits(4)}`;
    const pin = digits(9);
    event.conferenceData = {
      ...event.conferenceData,
      createRequest: { ...event.conferenceData!.createRequest!, status: { statusCode: 'success' } },
      entryPoints: [
        { entryPointType: 'video', uri, label: uri.replace(/^https?:\/\//, '') },
        { entryPointType: 'phone', uri: `tel:${phone.replaceAll(' ', '-')}`, label: phone, pin, regionCode: 'US' },
        { entryPointType: 'more', uri: `https://tel.meet/${code}?pin=${pin}`, pin },
      ],
      conferenceId: code,
    };
    event.hangoutLink = uri;
    options.created?.({ meetingCode: code, meetingUri: uri, owner });
  };

  return {
    start(event, conferenceData, token) {
      const createRequest = isObject(conferenceData) && isObject(conferenceData.createRequest) ? conferenceData.createRequest : undefined;
      if (!createRequest) return undefined;
      const type = isObject(createRequest.conferenceSolutionKey) ? createRequest.conferenceSolutionKey.type : undefined;
      if (type !== 'hangoutsMeet' || !options.allowed(token)) return googleError(400, 'invalid', 'Invalid conference type value.');
      event.conferenceData = {
        createRequest: {
          ...(typeof createRequest.requestId === 'string' ? { requestId: createRequest.requestId } : {}),
          conferenceSolutionKey: { type },
          status: { statusCode: 'pending' },
        },
        conferenceSolution: MEET_SOLUTION,
      };
      const mode = options.mode();
      const polls = mode === 'success' ? 0 : mode === 'pending' ? Infinity : mode.pendingPolls;
      const owner = token.email.toLowerCase();
      if (polls > 0) pending.set(event, { polls, owner });
      else complete(event, owner);
      return undefined;
    },
    poll(event) {
      const waiting = pending.get(event);
      if (waiting === undefined) return;
      if (waiting.polls > 0) waiting.polls -= 1;
      else {
        pending.delete(event);
        complete(event, waiting.owner);
      }
    },
    clear: () => pending.clear(),
  };
}
