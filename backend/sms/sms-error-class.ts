/** Why an SMS ended undelivered or failed, in few enough words to be a Prometheus label. */
export type SmsErrorClass = 'none' | 'invalid_number' | 'unreachable' | 'opted_out' | 'blocked' | 'sender' | 'gave_up' | 'other';

/**
 * Twilio's error codes (twilio.com/docs/api/errors) grouped by what an admin does about them: `invalid_number`
 * and `unreachable` are the customer's number, `opted_out` the customer's choice, `blocked` the carrier's filter,
 * `sender` our Twilio account or sender (fix the configuration: every message fails until then).
 */
const CLASSES: Record<string, SmsErrorClass> = {
  '21211': 'invalid_number',
  '21614': 'invalid_number',
  '30005': 'invalid_number',
  '30006': 'invalid_number',
  '21214': 'unreachable',
  '30003': 'unreachable',
  '21610': 'opted_out',
  '30004': 'blocked',
  '30007': 'blocked',
  '20003': 'sender',
  '21408': 'sender',
  '21606': 'sender',
  '21612': 'sender',
  '30032': 'sender',
  '30034': 'sender',
  // Ours: Twilio never confirmed the message, or every attempt to hand it over failed.
  interrupted: 'gave_up',
};

/** The class of an SMS error code (Twilio's, or ours); `none` without one. */
export function smsErrorClass(code: string | null | undefined): SmsErrorClass {
  if (!code) return 'none';
  return CLASSES[code] ?? 'other';
}
