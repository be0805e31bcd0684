import { describe, expect, it } from 'vitest';
import { DelegationFailure } from '../google/delegation-failure.ts';
import { diagnoseMeetError } from '../meet-space/meet-space-failure.ts';
import { diagnoseCalendarError } from './calendar-failure.ts';

const subject = 'ada@example.com';
const gaxios = (status: number, data: unknown, message = 'Request failed') =>
  Object.assign(new Error(message), { status, response: { status, data } });

describe('diagnoseCalendarError', () => {
  it.each([
    [
      'delegation not granted',
      gaxios(401, { error: 'unauthorized_client', error_description: 'Client is unauthorized' }),
      'delegation_not_granted',
      false,
    ],
    [
      'bad key or unknown user',
      gaxios(400, { error: 'invalid_grant', error_description: 'Invalid JWT Signature.' }),
      'invalid_grant',
      false,
    ],
    [
      'no conference rights',
      gaxios(400, { error: { code: 400, message: 'Invalid conference type value.', errors: [{ reason: 'invalid' }] } }),
      'conference_not_allowed',
      false,
    ],
    [
      '429',
      gaxios(429, { error: { code: 429, message: 'Rate Limit Exceeded', errors: [{ reason: 'rateLimitExceeded' }] } }),
      'rate_limited',
      true,
    ],
    [
      '403 user rate limit',
      gaxios(403, { error: { code: 403, message: 'x', errors: [{ reason: 'userRateLimitExceeded' }] } }),
      'rate_limited',
      true,
    ],
    ['503', gaxios(503, { error: { code: 503, message: 'Backend Error' } }), 'unavailable', true],
    ['timeout', Object.assign(new Error('The operation was aborted due to timeout'), { code: 'ETIMEDOUT' }), 'timeout', true],
    ['403 forbidden', gaxios(403, { error: { code: 403, message: 'Forbidden', errors: [{ reason: 'forbidden' }] } }), 'rejected', false],
  ])('%s → %s', (_name, error, kind, retryable) => {
    const failure = diagnoseCalendarError(error, subject, { mode: 'key', clientId: '1234567890' });
    expect(failure.kind).toBe(kind);
    expect(failure.retryable).toBe(retryable);
  });

  it('tells the admin exactly what to grant when delegation is missing', () => {
    const failure = diagnoseCalendarError(gaxios(401, { error: 'unauthorized_client' }), subject, { mode: 'key', clientId: '1234567890' });
    expect(failure.message).toContain(subject);
    expect(failure.message).toContain('1234567890');
    expect(failure.message).toContain('https://www.googleapis.com/auth/calendar');
  });

  it('keeps a keyless signing failure as it is, never retried by Calendar, and words invalid_grant for keyless', () => {
    const signing = new DelegationFailure('token_creator_missing', 'grant roles/iam.serviceAccountTokenCreator on x to y');
    const failure = diagnoseCalendarError(signing, subject, { mode: 'keyless', clientId: undefined });
    expect([failure.kind, failure.message, failure.retryable]).toEqual(['token_creator_missing', signing.message, false]);
    const grant = diagnoseCalendarError(gaxios(400, { error: 'invalid_grant' }), subject, { mode: 'keyless', clientId: undefined });
    expect(grant.message).toContain('GOOGLE_SERVICE_ACCOUNT_EMAIL');
    expect(grant.message).not.toContain('GOOGLE_SERVICE_ACCOUNT_KEY');
    const notGranted = diagnoseCalendarError(gaxios(401, { error: 'unauthorized_client' }), subject, {
      mode: 'keyless',
      clientId: undefined,
    });
    expect(notGranted.message).toContain("the service account's client ID (Google Cloud › IAM & Admin › Service accounts");
  });

  it('turns a keyless signing failure into a Meet failure: an outage stays retryable, a missing grant does not', () => {
    expect(diagnoseMeetError(new DelegationFailure('iam_unavailable', 'IAM down')).retryable).toBe(true);
    const denied = diagnoseMeetError(new DelegationFailure('token_creator_missing', 'grant Token Creator'));
    expect([denied.kind, denied.retryable, denied.message]).toEqual([
      'rejected',
      false,
      'SavvySolve Meet could not act as you at Google (grant Token Creator)',
    ]);
  });
});
