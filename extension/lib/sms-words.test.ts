import { describe, expect, it } from 'vitest';
import type { SmsErrorClass, SmsState } from '../../shared/index.ts';
import { smsStateText } from '../features/session-list/format.ts';
import { smsProgress } from './call-status.ts';
import { smsProblem } from './sms-words.ts';

const NOW = Date.parse('2030-01-01T00:10:00Z');
const sms = (
  status: SmsState['status'],
  errorClass: SmsErrorClass | null,
  errorCode: string | null,
  error: string | null = 'A sentence.',
): SmsState => ({
  status,
  error,
  errorCode,
  errorClass,
  updatedAt: '2030-01-01T00:05:00Z',
});

describe('the SMS failure in the solver’s words: the card and the button say the same', () => {
  it.each([
    ['recipient', '30006', 'undelivered', 'SMS not delivered: this number can’t receive texts. Ask the customer for a mobile number.'],
    ['recipient', '21614', 'failed', 'SMS failed: this number can’t receive texts. Ask the customer for a mobile number.'],
    [
      'opted_out',
      '21610',
      'failed',
      'SMS failed: the customer has opted out of texts (replied STOP). Send the link another way; texts resume if they reply START.',
    ],
    [
      'sender',
      '30034',
      'undelivered',
      'SMS not delivered: a problem with our texting setup, not with the customer. Tell your admin: our texting number isn’t registered with US carriers.',
    ],
    [
      'sender',
      '30032',
      'undelivered',
      'SMS not delivered: a problem with our texting setup, not with the customer. Tell your admin: our texting number isn’t registered with US carriers.',
    ],
    [
      'sender',
      '21408',
      'failed',
      'SMS failed: a problem with our texting setup, not with the customer. Tell your admin: our texting number can’t text this customer.',
    ],
    [
      'content',
      '30007',
      'undelivered',
      'SMS not delivered: the customer’s carrier filtered the text. Send the link another way, and tell your admin.',
    ],
    [
      'temporary',
      '30003',
      'undelivered',
      'SMS not delivered: the customer’s phone couldn’t be reached. Resend the SMS in a few minutes, or call the customer.',
    ],
    ['temporary', '30003', 'queued', 'SMS queued: the customer’s phone couldn’t be reached, trying again'],
    ['temporary', '20503', 'queued', 'SMS queued: Twilio is busy, trying again'],
    ['temporary', '20503', 'failed', 'SMS failed: Twilio had a problem on its side. Resend the SMS in a few minutes.'],
    ['expired', '30036', 'failed', 'SMS failed: it could not be delivered in time. Resend the SMS.'],
  ] as const)('%s (%s, %s)', (errorClass, code, status, text) => {
    const state = sms(status, errorClass, code);
    expect(smsStateText(state, true).text).toBe(text);
    expect(smsProgress(state, NOW).text).toBe(text);
    expect(smsStateText(state, true).tone).toBe(status === 'queued' ? 'pending' : 'error');
  });

  it('keeps the backend’s sentence when a failure has no class (a lost answer)', () => {
    const lost = sms('failed', null, null, 'Twilio’s answer to this SMS was lost.');
    expect(smsStateText(lost, true).text).toBe('SMS failed: Twilio’s answer to this SMS was lost.');
    expect(smsProblem(lost)).toEqual({ what: 'Twilio’s answer to this SMS was lost.', next: null });
  });

  it('says nothing is wrong while the SMS is on its way or delivered', () => {
    for (const status of ['queued', 'accepted', 'sent', 'delivered'] as const)
      expect(smsProblem(sms(status, null, null, null))).toBeUndefined();
  });
});
