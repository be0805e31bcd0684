import { randomBytes } from 'node:crypto';

/** An SMS as the Twilio emulator stored it. */
export type EmulatedSms = {
  sid: string;
  to: string;
  from: string | null;
  messagingServiceSid: string | null;
  body: string;
  statusCallback: string | null;
  status: string;
  numSegments: number;
  dateCreated: Date;
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
    status: form.From ? 'queued' : 'accepted',
    numSegments: body.length <= single ? 1 : Math.ceil(body.length / part),
    dateCreated: new Date(),
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
    date_sent: null,
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
