import twilio from 'twilio';
import { countedCall, type Metrics } from '../metrics/metrics.ts';

export type SmsMessage = { to: string; body: string; statusCallbackUrl?: string };

/** Twilio error codes that no retry can fix: the message is failed at once with the reason. */
const PERMANENT_ERRORS: Record<number, string> = {
  21211: 'invalid phone number',
  21214: 'phone number cannot be reached',
  21408: 'SMS to this region is not enabled on the Twilio account',
  21610: 'recipient has unsubscribed (replied STOP)',
  21612: 'this number cannot be messaged from the configured sender',
  21614: 'number is not a mobile number',
};

/**
 * An SMS that could not be handed to Twilio; `permanent` means retrying is pointless. `outcomeUnknown`: the request
 * left but no HTTP answer came back (timeout, reset, hang-up), so Twilio may have taken the message anyway.
 */
export class SmsSendError extends Error {
  constructor(
    message: string,
    readonly code: string,
    readonly permanent: boolean,
    readonly outcomeUnknown = false,
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
  timeoutMs?: number;
  /** Counts each call to Twilio (savvysolve_meet_outbound_*). */
  metrics?: Metrics;
};

/** The HTTP status of a twilio SDK error (RestException), undefined when Twilio did not answer. */
const twilioStatus = (error: unknown) => (error as { status?: number }).status;

function createClient(options: TwilioSenderOptions) {
  const client = twilio(options.accountSid, options.authToken, { timeout: options.timeoutMs ?? 10_000 });
  client.api.baseUrl = options.apiUrl;
  return client;
}

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
        const message = await countedCall(
          'twilio',
          options.metrics,
          () =>
            client.messages.create({
              to,
              body,
              ...(options.messagingServiceSid ? { messagingServiceSid: options.messagingServiceSid } : { from: options.fromNumber! }),
              ...(statusCallbackUrl ? { statusCallback: statusCallbackUrl } : {}),
            }),
          twilioStatus,
          201,
        );
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
        const messages = await countedCall(
          'twilio',
          options.metrics,
          () => client.messages.list({ to, limit: LOOKUP_LIMIT }),
          twilioStatus,
        );
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

/**
 * Twilio's error, in the worker's terms: `permanent` (never retried: invalid, unsubscribed, landline numbers…),
 * `outcomeUnknown` (no answer: Twilio may have taken it — look before sending again), or transient.
 */
export function classify(error: unknown): SmsSendError {
  const { status, code, message } = error as { status?: number; code?: number | string; message?: string };
  if (typeof code === 'number' && PERMANENT_ERRORS[code]) {
    return new SmsSendError(`Twilio ${code}: ${PERMANENT_ERRORS[code]}`, String(code), true);
  }
  if (status === 401 || status === 403) {
    return new SmsSendError(
      `Twilio refused the credentials (HTTP ${status}); check TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN`,
      String(code ?? status),
      false,
    );
  }
  if (typeof status === 'number') {
    return new SmsSendError(`Twilio answered HTTP ${status}${code ? ` (code ${code})` : ''}`, String(code ?? status), false);
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
