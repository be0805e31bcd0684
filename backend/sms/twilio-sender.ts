import twilio from 'twilio';
import { classifyTwilioError } from './twilio-error-classes.ts';

export type SmsMessage = { to: string; body: string; statusCallbackUrl?: string };

/**
 * An SMS that could not be handed to Twilio; `permanent` means retrying is pointless. `outcomeUnknown`: the request
 * left but no HTTP answer came back (timeout, reset, hang-up), so Twilio may have taken the message anyway.
 * `unknownCode`: Twilio refused it with a code missing from backend/sms/twilio-error-classes.ts (log it).
 */
export class SmsSendError extends Error {
  constructor(
    message: string,
    readonly code: string,
    readonly permanent: boolean,
    readonly outcomeUnknown = false,
    readonly unknownCode = false,
  ) {
    super(message);
    this.name = 'SmsSendError';
  }
}

/** A message Twilio holds, as the Messages list reports it. */
export type SentSms = { sid: string; status: string; errorCode: string | null; createdAt: Date };

export type SmsSender = {
  send(message: SmsMessage): Promise<{ sid: string }>;
  /**
   * Messages Twilio holds to `to` with exactly `body`, created at `since` or later (less a margin for Twilio's
   * clock and its one-second dates), oldest first: what a send whose answer was lost may have left behind.
   * Throws `SmsSendError` when Twilio cannot be asked.
   */
  findSent(query: { to: string; body: string; since: Date }): Promise<SentSms[]>;
};

/** Twilio's dates have one-second precision and its clock is not ours. */
export const LOOKUP_MARGIN_MS = 60_000;
/** One page of the newest messages to one number: far more than any customer gets while a send is unsettled. */
const LOOKUP_LIMIT = 1000;

export type TwilioSenderOptions = {
  accountSid: string;
  authToken: string;
  fromNumber?: string;
  messagingServiceSid?: string;
  apiUrl: string;
  /** Twilio's Messaging API (A2P 10DLC, toll-free verification); defaults to `apiUrl`'s host for emulators. */
  messagingApiUrl?: string;
  timeoutMs?: number;
  /** `ValidityPeriod` of every send, in seconds (SMS_VALIDITY_SECONDS; Twilio allows 1–36000). */
  validitySeconds?: number;
};

/** A twilio SDK client whose REST (`api`) and Messaging (`messaging`) domains point at `apiUrl` when it is not Twilio's. */
export function createTwilioClient(options: TwilioSenderOptions) {
  const client = twilio(options.accountSid, options.authToken, { timeout: options.timeoutMs ?? 10_000 });
  client.api.baseUrl = options.apiUrl;
  if (options.messagingApiUrl) client.messaging.baseUrl = options.messagingApiUrl;
  else if (new URL(options.apiUrl).hostname !== 'api.twilio.com') client.messaging.baseUrl = options.apiUrl;
  return client;
}
const createClient = createTwilioClient;

/** Fetches the account (the doctor's credentials check; sends nothing). */
export async function fetchTwilioAccountStatus(options: TwilioSenderOptions): Promise<string> {
  try {
    return (await createClient(options).api.v2010.accounts(options.accountSid).fetch()).status;
  } catch (error) {
    throw classify(error);
  }
}

/** Sends SMS with the twilio SDK, classifying its errors as permanent or transient. */
export function createTwilioSender(options: TwilioSenderOptions): SmsSender {
  const client = createClient(options);
  return {
    async send({ to, body, statusCallbackUrl }) {
      try {
        const message = await client.messages.create({
          to,
          body,
          ...(options.messagingServiceSid ? { messagingServiceSid: options.messagingServiceSid } : { from: options.fromNumber! }),
          ...(statusCallbackUrl ? { statusCallback: statusCallbackUrl } : {}),
          ...(options.validitySeconds ? { validityPeriod: options.validitySeconds } : {}),
        });
        return { sid: message.sid };
      } catch (error) {
        throw classify(error);
      }
    },
    async findSent({ to, body, since }) {
      // Filtered by `To` only, not `DateSent>`: a message Twilio has not sent yet has no date_sent, Twilio does not
      // document whether such a filter keeps it, and it documents only whole days for it; the message we look for
      // is exactly one that may still be queued. Its date_created is set at once, so the window is applied here.
      const after = since.getTime() - LOOKUP_MARGIN_MS;
      try {
        const messages = await client.messages.list({ to, limit: LOOKUP_LIMIT });
        return messages
          .filter((message) => message.body === body && message.dateCreated.getTime() >= after)
          .reverse() // Twilio lists newest first; keep that order, reversed, among messages of the same second
          .sort((a, b) => a.dateCreated.getTime() - b.dateCreated.getTime())
          .map((message) => ({
            sid: message.sid,
            status: message.status,
            errorCode: message.errorCode == null ? null : String(message.errorCode),
            createdAt: message.dateCreated,
          }));
      } catch (error) {
        throw classify(error);
      }
    },
  };
}

/** Network errors raised before the request could reach Twilio: nothing was taken, sending again is safe. */
const NOT_REACHED = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ENETUNREACH', 'EHOSTUNREACH']);

/** HTTP answers that say nothing about the message itself: retried by the queue, not classified as Twilio refusals. */
const RETRYABLE_HTTP = new Set([401, 403, 408, 429]);

/**
 * Twilio's error, in the worker's terms: `permanent` (a 4xx refusal whose class, by backend/sms/twilio-error-classes.ts,
 * is not `temporary`: invalid, unsubscribed, landline numbers, an unregistered sender…), `outcomeUnknown` (no answer:
 * Twilio may have taken it — look before sending again), or transient (credentials, rate limits, 5xx, not reached).
 */
export function classify(error: unknown): SmsSendError {
  const { status, code, message } = error as { status?: number; code?: number | string; message?: string };
  if (typeof code === 'number' && typeof status === 'number' && status >= 400 && status < 500 && !RETRYABLE_HTTP.has(status)) {
    const classified = classifyTwilioError(String(code), status);
    return new SmsSendError(classified.error, String(code), classified.errorClass !== 'temporary', false, !classified.known);
  }
  if (status === 401 || status === 403) {
    return new SmsSendError(
      `Twilio refused the credentials (HTTP ${status}); check TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN`,
      String(code ?? status),
      false,
    );
  }
  if (typeof status === 'number') {
    return new SmsSendError(`Twilio had a problem on its side (HTTP ${status}).`, String(code ?? status), false);
  }
  if (typeof code === 'string' && !NOT_REACHED.has(code) && !/CERT|TLS/.test(code)) {
    return new SmsSendError(`Twilio did not answer (${code}: ${message ?? 'no response'})`, code, false, true);
  }
  return new SmsSendError(
    `Twilio could not be reached (${typeof code === 'string' ? code : (message ?? 'network error')})`,
    String(code ?? 'network'),
    false,
  );
}
