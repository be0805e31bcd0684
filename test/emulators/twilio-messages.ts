import { randomBytes } from 'node:crypto';

/** An SMS as the Twilio emulator stored it. */
export type EmulatedSms = {
  sid: string;
  to: string;
  from: string | null;
  messagingServiceSid: string | null;
  body: string;
  statusCallback: string | null;
  /** ValidityPeriod in seconds, as sent; null when the request had none (Twilio's default, 36000). */
  validityPeriod: number | null;
  status: string;
  numSegments: number;
  dateCreated: Date;
  /** Set by the first status callback saying it left Twilio (`sent`, `delivered`, `undelivered`); null before. */
  dateSent: Date | null;
};

/** Twilio's error body: `{ code, message, more_info, status }`. */
export type TwilioError = { code: number; message: string; more_info: string; status: number };

export type NumberLists = { invalidNumbers: string[]; unsubscribedNumbers: string[]; landlineNumbers: string[] };

const E164 = /^\+[1-9]\d{1,14}$/;

export function twilioError(status: number, code: number, message: string): TwilioError {
  return { code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status };
}

/** Checks a Messages create form as Twilio does, in its order; undefined when acceptable. */
export function validateMessageForm(form: Record<string, string>, lists: NumberLists): TwilioError | undefined {
  const { To: to, From: from, MessagingServiceSid: service, Body: body } = form;
  if (!to) return twilioError(400, 21604, "A 'To' phone number is required.");
  if (!from && !service) return twilioError(400, 21603, "A 'From' phone number is required.");
  if (!body) return twilioError(400, 21602, 'Message body is required.');
  if (body.length > 1600) return twilioError(400, 21617, 'The concatenated message body exceeds the 1600 character limit.');
  if (!E164.test(to) || lists.invalidNumbers.includes(to))
    return twilioError(400, 21211, `The 'To' number ${to} is not a valid phone number.`);
  if (from && !E164.test(from)) {
    return twilioError(400, 21212, `The 'From' number ${from} is not a valid phone number, shortcode, or alphanumeric sender ID.`);
  }
  if (service && !/^MG[0-9a-f]{32}$/.test(service)) return twilioError(400, 21701, `The Messaging Service Sid ${service} is invalid.`);
  const validity = form.ValidityPeriod;
  if (validity !== undefined && !(/^\d+$/.test(validity) && Number(validity) >= 1 && Number(validity) <= 36_000)) {
    return twilioError(400, 21624, 'Validity period can only be set to integers between 1 and 36,000 seconds (10 hours max).');
  }
  if (lists.unsubscribedNumbers.includes(to)) return twilioError(400, 21610, 'Attempt to send to unsubscribed recipient');
  if (lists.landlineNumbers.includes(to)) return twilioError(400, 21614, "'To' number is not a valid mobile number");
  return undefined;
}

/** A new message from a valid form; with only a Messaging Service it starts `accepted`, as with Twilio. */
export function newMessage(form: Record<string, string>): EmulatedSms {
  const body = form.Body ?? '';
  // GSM-7 fits 160 characters (153 per part); anything else is UCS-2 at 70 (67).
  const gsm = /^[\x20-\x7e\n\r]*$/.test(body);
  const single = gsm ? 160 : 70;
  const part = gsm ? 153 : 67;
  return {
    sid: `SM${randomBytes(16).toString('hex')}`,
    to: form.To ?? '',
    from: form.From ?? null,
    messagingServiceSid: form.MessagingServiceSid ?? null,
    body,
    statusCallback: form.StatusCallback ?? null,
    validityPeriod: form.ValidityPeriod === undefined ? null : Number(form.ValidityPeriod),
    status: form.From ? 'queued' : 'accepted',
    numSegments: body.length <= single ? 1 : Math.ceil(body.length / part),
    dateCreated: new Date(),
    dateSent: null,
  };
}

/** The Message resource JSON the API answers. */
export function messageResource(message: EmulatedSms, accountSid: string) {
  const uri = `/2010-04-01/Accounts/${accountSid}/Messages/${message.sid}.json`;
  const date = rfc2822(message.dateCreated);
  return {
    account_sid: accountSid,
    api_version: '2010-04-01',
    body: message.body,
    date_created: date,
    date_sent: message.dateSent ? rfc2822(message.dateSent) : null,
    date_updated: date,
    direction: 'outbound-api',
    error_code: null,
    error_message: null,
    from: message.from,
    messaging_service_sid: message.messagingServiceSid,
    num_media: '0',
    num_segments: String(message.numSegments),
    price: null,
    price_unit: 'USD',
    sid: message.sid,
    status: message.status,
    subresource_uris: { media: uri.replace(/\.json$/, '/Media.json'), feedback: uri.replace(/\.json$/, '/Feedback.json') },
    to: message.to,
    uri,
  };
}

const rfc2822 = (date: Date) => date.toUTCString().replace('GMT', '+0000');

/** Statuses that mean the message left Twilio, so it has a date_sent. */
export const SENT_STATUSES = new Set(['sent', 'delivered', 'undelivered', 'read']);

/**
 * The Messages list (`GET …/Messages.json`) as Twilio answers it: `To`, `From`, `DateSent`, `DateSent<`, `DateSent>`
 * filters, newest first, `PageSize` (default 50, at most 1000), `Page` / `PageToken` paging. Bounds are inclusive and
 * compared at whole seconds; a date alone (`YYYY-MM-DD`) means midnight GMT, and `DateSent=` that whole day. A message
 * not sent yet has no date_sent: Twilio does not document how its filters treat one, so any DateSent filter leaves it out.
 */
export function listMessages(
  all: EmulatedSms[],
  query: Record<string, string>,
  accountSid: string,
): { status: 200; body: unknown } | { status: 400; body: TwilioError } {
  const path = `/2010-04-01/Accounts/${accountSid}/Messages.json`;
  const filters: ((message: EmulatedSms) => boolean)[] = [];
  if (query.To) filters.push((message) => message.to === query.To);
  if (query.From) filters.push((message) => message.from === query.From);
  for (const [key, test] of [
    ['DateSent>', (sent: number, bound: Bound) => sent >= bound.from],
    ['DateSent<', (sent: number, bound: Bound) => sent <= bound.from],
    ['DateSent', (sent: number, bound: Bound) => sent >= bound.from && sent < bound.to],
  ] as const) {
    if (query[key] === undefined) continue;
    const bound = parseBound(query[key]);
    if (!bound) return { status: 400, body: twilioError(400, 20001, `Invalid ${key} value: ${query[key]}`) };
    filters.push((message) => message.dateSent !== null && test(seconds(message.dateSent), bound));
  }
  const pageSize = query.PageSize === undefined ? 50 : Number(query.PageSize);
  if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 1000) {
    return { status: 400, body: twilioError(400, 20001, `PageSize must be between 1 and 1000: ${query.PageSize}`) };
  }
  const page = query.Page === undefined ? 0 : Number(query.Page);
  if (!Number.isInteger(page) || page < 0) return { status: 400, body: twilioError(400, 20001, `Invalid Page: ${query.Page}`) };

  // Stored oldest first; same-second messages keep their order, reversed.
  const matching = [...all].reverse().filter((message) => filters.every((keep) => keep(message)));
  // A page token names the last message of the previous page, so messages created meanwhile do not shift pages.
  const after = query.PageToken?.startsWith('PA') ? matching.findIndex((message) => message.sid === query.PageToken!.slice(2)) + 1 : 0;
  const start = after > 0 ? after : page * pageSize;
  const items = matching.slice(start, start + pageSize);
  const filterParams = Object.entries(query).filter(([key]) => !['Page', 'PageSize', 'PageToken'].includes(key));
  const uri = (pageNumber: number, token?: string) =>
    `${path}?${new URLSearchParams([...filterParams, ['PageSize', String(pageSize)], ['Page', String(pageNumber)], ...(token ? [['PageToken', token]] : [])])}`;
  const last = items.at(-1);
  return {
    status: 200,
    body: {
      messages: items.map((message) => messageResource(message, accountSid)),
      first_page_uri: uri(0),
      previous_page_uri: page > 0 ? uri(page - 1) : null,
      next_page_uri: last && start + pageSize < matching.length ? uri(page + 1, `PA${last.sid}`) : null,
      uri: uri(page, query.PageToken),
      page,
      page_size: pageSize,
      start,
      end: start + Math.max(items.length - 1, 0),
    },
  };
}

type Bound = { from: number; to: number };

const seconds = (date: Date) => Math.floor(date.getTime() / 1000);

/** `YYYY-MM-DD` (that day) or a full date-time (that second), GMT unless an offset is given. */
function parseBound(text: string): Bound | undefined {
  const day = /^\d{4}-\d{2}-\d{2}$/.test(text);
  const ms = Date.parse(day ? `${text}T00:00:00Z` : text);
  if (Number.isNaN(ms)) return undefined;
  const from = Math.floor(ms / 1000);
  return { from, to: from + (day ? 86_400 : 1) };
}
