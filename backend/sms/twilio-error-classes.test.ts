import { describe, expect, it } from 'vitest';
import { SMS_ERROR_CLASSES } from '../../shared/index.ts';
import { SENDER_FIXES, TWILIO_ERRORS, classifyTwilioError, isTwilioCode } from './twilio-error-classes.ts';
import { classify } from './twilio-sender.ts';

describe('the Twilio error table (the contract of issue 21)', () => {
  it.each([
    ['recipient', ['21211', '21214', '21614', '30005', '30006']],
    ['opted_out', ['21610']],
    ['sender', ['21408', '21606', '21612', '30032', '30034']],
    ['content', ['30007']],
    ['temporary', ['30001', '30003', '30008', '30017']],
    ['expired', ['30036']],
  ])('%s: %j', (errorClass, codes) => {
    for (const code of codes) expect(classifyTwilioError(code)).toMatchObject({ errorCode: code, errorClass, known: true });
  });

  it('says every code in plain words, without the code', () => {
    for (const [code, entry] of Object.entries(TWILIO_ERRORS)) {
      expect(SMS_ERROR_CLASSES).toContain(entry.errorClass);
      expect(entry.meaning).toMatch(/^[A-Z].*\.$/);
      expect(entry.meaning).not.toMatch(/\d{5}/);
      if (entry.errorClass === 'sender' || entry.errorClass === 'content') expect(SENDER_FIXES[code], code).toBeDefined();
    }
  });

  it.each([
    ['5xx-like by HTTP status', '31999', 503, 'temporary'],
    ["5xx-like by Twilio's 205xx code", '20500', undefined, 'temporary'],
    ['anything else', '39999', 400, 'recipient'],
    ['a callback code we do not know', '30099', undefined, 'recipient'],
  ])('unknown code, %s → %s', (_case, code, status, errorClass) => {
    expect(classifyTwilioError(code, status)).toMatchObject({ errorCode: code, errorClass, known: false });
  });

  it('treats only numeric codes as Twilio’s', () => {
    expect([isTwilioCode('30003'), isTwilioCode('interrupted'), isTwilioCode('ECONNRESET'), isTwilioCode(null)]).toEqual([
      true,
      false,
      false,
      false,
    ]);
  });
});

describe('create-time errors: permanent, unknown outcome or transient', () => {
  it.each([
    ['invalid To (21211)', { status: 400, code: 21211 }, { permanent: true, outcomeUnknown: false, code: '21211' }],
    ['unsubscribed (21610)', { status: 400, code: 21610 }, { permanent: true, outcomeUnknown: false, code: '21610' }],
    ['landline (21614)', { status: 400, code: 21614 }, { permanent: true, outcomeUnknown: false, code: '21614' }],
    ['sender not SMS-capable (21606)', { status: 400, code: 21606 }, { permanent: true, code: '21606', unknownCode: false }],
    ['an unknown 4xx code: recipient, flagged', { status: 400, code: 21999 }, { permanent: true, code: '21999', unknownCode: true }],
    ['bad credentials', { status: 401, code: 20003 }, { permanent: false, outcomeUnknown: false, code: '20003' }],
    ['rate limited', { status: 429, code: 20429 }, { permanent: false, outcomeUnknown: false, code: '20429' }],
    ['server error', { status: 503 }, { permanent: false, outcomeUnknown: false, code: '503' }],
    ['timeout: no answer', { code: 'ECONNABORTED', message: 'timeout' }, { permanent: false, outcomeUnknown: true, code: 'ECONNABORTED' }],
    ['reset after sending', { code: 'ECONNRESET' }, { permanent: false, outcomeUnknown: true, code: 'ECONNRESET' }],
    ['never reached (refused)', { code: 'ECONNREFUSED' }, { permanent: false, outcomeUnknown: false, code: 'ECONNREFUSED' }],
    ['never reached (DNS)', { code: 'ENOTFOUND' }, { permanent: false, outcomeUnknown: false, code: 'ENOTFOUND' }],
    ['TLS failure', { code: 'CERT_HAS_EXPIRED' }, { permanent: false, outcomeUnknown: false, code: 'CERT_HAS_EXPIRED' }],
  ])('%s', (_case, error, expected) => {
    expect(classify(error)).toMatchObject(expected);
  });

  it('words a refusal from the table, never with a bare code', () => {
    expect(classify({ status: 400, code: 21610 }).message).toBe('The customer has opted out of texts from us (they replied STOP).');
  });
});
