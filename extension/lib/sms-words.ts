import type { SmsErrorClass, SmsState } from '../../shared/index.ts';

/** Twilio's codes for a sender that US carriers block as unregistered: 30034 (A2P 10DLC), 30032 (toll-free). */
const UNREGISTERED_SENDER = new Set(['30032', '30034']);

/** Twilio's 30xxx codes come from the carrier or the phone; others (20429, 205xx) from Twilio itself. */
const isCarrierCode = (code: string | null) => code?.startsWith('30') === true;

/** What each class of SMS failure means for the solver, and what they can do next (shared/sessions.ts `SMS_ERROR_CLASSES`). */
const WORDS: Record<SmsErrorClass, (sms: SmsState) => { what: string; next: string }> = {
  recipient: () => ({ what: 'this number can’t receive texts', next: 'Ask the customer for a mobile number.' }),
  opted_out: () => ({
    what: 'the customer has opted out of texts (replied STOP)',
    next: 'Send the link another way; texts resume if they reply START.',
  }),
  sender: (sms) => ({
    what: 'a problem with our texting setup, not with the customer',
    next: UNREGISTERED_SENDER.has(sms.errorCode ?? '')
      ? 'Tell your admin: our texting number isn’t registered with US carriers.'
      : 'Tell your admin: our texting number can’t text this customer.',
  }),
  content: () => ({ what: 'the customer’s carrier filtered the text', next: 'Send the link another way, and tell your admin.' }),
  temporary: (sms) =>
    isCarrierCode(sms.errorCode)
      ? { what: 'the customer’s phone couldn’t be reached', next: 'Resend the SMS in a few minutes, or call the customer.' }
      : { what: 'Twilio had a problem on its side', next: 'Resend the SMS in a few minutes.' },
  expired: () => ({ what: 'it could not be delivered in time', next: 'Resend the SMS.' }),
};

/**
 * Why the SMS did not reach the customer, in the solver's words, and what to do next; undefined when nothing failed.
 * A `temporary` failure still queued is being retried by the backend: said so, with nothing to do. Without a class
 * (a lost answer, SMS not configured) the backend's sentence is the reason.
 */
export function smsProblem(sms: SmsState): { what: string; next: string | null } | undefined {
  if (sms.status === 'queued' && sms.errorClass === 'temporary') {
    return {
      what: `${isCarrierCode(sms.errorCode) ? 'the customer’s phone couldn’t be reached' : 'Twilio is busy'}, trying again`,
      next: null,
    };
  }
  if (sms.status !== 'undelivered' && sms.status !== 'failed') return undefined;
  if (sms.errorClass) return WORDS[sms.errorClass](sms);
  return sms.error ? { what: sms.error, next: null } : undefined;
}

/** "SMS not delivered: this number can’t receive texts. Ask the customer for a mobile number." */
export function smsProblemText(prefix: string, sms: SmsState): string {
  const problem = smsProblem(sms);
  if (!problem) return prefix;
  return `${prefix}: ${problem.what}${problem.next ? `. ${problem.next}` : ''}`;
}
