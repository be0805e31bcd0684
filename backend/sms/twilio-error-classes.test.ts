import { describe, expect, it } from 'vitest';
import { classify } from './twilio-sender.ts';

describe('Twilio error classes', () => {
  it.each([
    ['invalid To (21211)', { status: 400, code: 21211 }, { permanent: true, outcomeUnknown: false, code: '21211' }],
    ['unsubscribed (21610)', { status: 400, code: 21610 }, { permanent: true, outcomeUnknown: false, code: '21610' }],
    ['landline (21614)', { status: 400, code: 21614 }, { permanent: true, outcomeUnknown: false, code: '21614' }],
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
});
