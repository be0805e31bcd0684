import type { SmsErrorClass } from '../../shared/index.ts';

/** One Twilio error code: its class and what it means, in a sentence a solver can read (no codes). */
export type TwilioErrorEntry = { errorClass: SmsErrorClass; meaning: string };

/**
 * Twilio's error codes we know, by class (https://www.twilio.com/docs/api/errors/<code>). The same table serves the
 * create call's 4xx answers and the status callbacks' `ErrorCode`. What each class does: docs/admin-guide.md.
 */
export const TWILIO_ERRORS: Readonly<Record<string, TwilioErrorEntry>> = {
  // The number cannot receive texts: not retried; the solver reaches the customer another way.
  '21211': { errorClass: 'recipient', meaning: 'The customer’s number is not a valid phone number.' },
  '21214': { errorClass: 'recipient', meaning: 'The customer’s number cannot be reached by text.' },
  '21614': { errorClass: 'recipient', meaning: 'The customer’s number is not a mobile number (a landline cannot receive texts).' },
  '30005': { errorClass: 'recipient', meaning: 'The customer’s carrier says this number does not exist or is no longer in service.' },
  '30006': { errorClass: 'recipient', meaning: 'The customer’s number is a landline or its carrier cannot receive texts.' },
  // The customer replied STOP to our number: only they can undo it (by replying START).
  '21610': { errorClass: 'opted_out', meaning: 'The customer has opted out of texts from us (they replied STOP).' },
  // Our sender or account: every customer is affected until the admin fixes it.
  '20003': { errorClass: 'sender', meaning: 'Twilio refused our account’s credentials.' },
  '21408': { errorClass: 'sender', meaning: 'Our Twilio account is not allowed to text this country (SMS geographic permissions).' },
  '21606': { errorClass: 'sender', meaning: 'Our texting number cannot send texts (not an SMS-capable number of our Twilio account).' },
  '21701': { errorClass: 'sender', meaning: 'Our Messaging Service does not exist in our Twilio account.' },
  '21612': { errorClass: 'sender', meaning: 'Our texting number cannot text this customer’s number.' },
  '30032': { errorClass: 'sender', meaning: 'Our toll-free texting number is not verified, so US carriers block its texts.' },
  '30034': { errorClass: 'sender', meaning: 'Our texting number is not registered for A2P 10DLC, so US carriers block its texts.' },
  // The carrier's filter: rewording or registration is the admin's call.
  '30007': { errorClass: 'content', meaning: 'The customer’s carrier filtered the text as spam.' },
  // Worth another try: the phone or the network was unavailable.
  '30001': { errorClass: 'temporary', meaning: 'Twilio’s queue for our number was full.' },
  '30003': { errorClass: 'temporary', meaning: 'The customer’s phone could not be reached (it may be off or out of signal).' },
  '30008': { errorClass: 'temporary', meaning: 'The customer’s carrier reported an unknown error.' },
  '30017': { errorClass: 'temporary', meaning: 'The customer’s carrier network was congested.' },
  '20429': { errorClass: 'temporary', meaning: 'Twilio asked us to slow down (too many requests).' },
  // Not delivered within SMS_VALIDITY_SECONDS: the solver may resend.
  '30036': { errorClass: 'expired', meaning: 'The text could not be delivered in time, so Twilio dropped it.' },
};

/** What the admin does about a `sender` or `content` failure (the alert's log line and the doctor say it too). */
export const SENDER_FIXES: Readonly<Record<string, string>> = {
  '20003': 'Check TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN in the Twilio console (Account › API keys & tokens).',
  '21408': 'Enable the customer’s country in Twilio console › Messaging › Settings › Geo permissions.',
  '21606': 'Set TWILIO_FROM_NUMBER to an SMS-capable number of this Twilio account, or use TWILIO_MESSAGING_SERVICE_SID.',
  '21701': 'Set TWILIO_MESSAGING_SERVICE_SID to a Messaging Service of this Twilio account (Messaging › Services).',
  '21612': 'Use a sender that can text this destination (a US number for US customers), or a Messaging Service with one.',
  '30032':
    'Submit the toll-free verification for TWILIO_FROM_NUMBER (Twilio console › Messaging › Regulatory compliance › Toll-free verifications) and wait for TWILIO_APPROVED.',
  '30034':
    'Register an A2P 10DLC brand and campaign and add the number to the Messaging Service of that campaign (Twilio console › Messaging › Regulatory compliance); then set TWILIO_MESSAGING_SERVICE_SID.',
  '30007':
    'Check the text of the SMS and the registration of the sender: carriers filter unregistered senders and link-heavy texts. Run `npm run doctor`.',
};
const DEFAULT_FIX = 'Check the sender in the Twilio console and run `npm run doctor`.';

/** A Twilio error as the SMS state shows it: the code, its class, the sentence, and whether it was in the table. */
export type ClassifiedTwilioError = { errorCode: string; errorClass: SmsErrorClass; error: string; known: boolean };

/**
 * Classifies one of Twilio's error codes. Unknown codes are `temporary` when 5xx-like (`httpStatus` ≥ 500, or Twilio's
 * 205xx codes for its own 5xx) and `recipient` otherwise; `known: false` says the caller should log the code.
 */
export function classifyTwilioError(code: string, httpStatus?: number): ClassifiedTwilioError {
  const entry = TWILIO_ERRORS[code];
  if (entry) return { errorCode: code, errorClass: entry.errorClass, error: entry.meaning, known: true };
  const serverSide = (httpStatus ?? 0) >= 500 || /^205\d\d$/.test(code);
  return serverSide
    ? { errorCode: code, errorClass: 'temporary', error: 'Twilio had a problem on its side.', known: false }
    : { errorCode: code, errorClass: 'recipient', error: 'Twilio could not deliver the text to this number.', known: false };
}

/** The admin's fix for a `sender` or `content` code. */
export const senderFixOf = (code: string): string => SENDER_FIXES[code] ?? DEFAULT_FIX;

/** Twilio codes are numbers; our own markers (`interrupted`, `ECONNRESET`…) are not Twilio's and are shown as null. */
export const isTwilioCode = (code: string | null | undefined): code is string => typeof code === 'string' && /^\d+$/.test(code);

/** The class of a stored error code: Twilio's codes by the table; our own markers (`interrupted`, `ECONNRESET`) none. */
export const errorClassOf = (errorCode: string | null | undefined): SmsErrorClass | null =>
  isTwilioCode(errorCode) ? classifyTwilioError(errorCode).errorClass : null;

/** The SMS state's error fields from a delivery's stored code and message (shared/sessions.ts `smsStateSchema`). */
export const smsErrorFields = (errorCode: string | null, errorMessage: string | null) => ({
  error: errorMessage,
  errorCode: isTwilioCode(errorCode) ? errorCode : null,
  errorClass: errorClassOf(errorCode),
});
