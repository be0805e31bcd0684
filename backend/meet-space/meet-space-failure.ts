import { DelegationFailure } from '../google/delegation-failure.ts';

export type MeetSpaceFailureKind =
  'api_disabled' | 'scope_not_granted' | 'not_found' | 'rate_limited' | 'unavailable' | 'timeout' | 'rejected';

/** A Meet REST API failure, with the reason in words a solver understands (never a token or key). */
export class MeetSpaceFailure extends Error {
  constructor(
    readonly kind: MeetSpaceFailureKind,
    message: string,
  ) {
    super(message);
    this.name = 'MeetSpaceFailure';
  }

  /** Worth another try later (the outage or quota may pass); a missing scope or space is not. */
  get retryable(): boolean {
    return this.kind === 'rate_limited' || this.kind === 'unavailable' || this.kind === 'timeout';
  }
}

type ErrorLike = { message?: string; code?: string | number; status?: number; response?: { status?: number; data?: unknown } };

/** Turns a googleapis / google-auth-library error from the Meet API into a named failure with plain words. */
export function diagnoseMeetError(error: unknown): MeetSpaceFailure {
  if (error instanceof MeetSpaceFailure) return error;
  // Keyless signing failed before Meet was asked: an outage may pass, a missing grant will not.
  if (error instanceof DelegationFailure) {
    return new MeetSpaceFailure(
      error.kind === 'iam_unavailable' ? 'unavailable' : 'rejected',
      `SavvySolve Meet could not act as you at Google (${error.message})`,
    );
  }
  const err = (error ?? {}) as ErrorLike;
  const status = err.status ?? err.response?.status;
  const data = err.response?.data as
    { error?: string | { status?: string; message?: string; details?: { reason?: string }[] } } | undefined;
  const oauthError = typeof data?.error === 'string' ? data.error : undefined;
  const apiStatus = typeof data?.error === 'object' ? data.error.status : undefined;
  const text = `${typeof data?.error === 'object' ? (data.error.message ?? '') : ''} ${err.message ?? ''}`;

  const reasons = typeof data?.error === 'object' ? (data.error.details ?? []).map((detail) => detail.reason) : [];
  if (reasons.includes('SERVICE_DISABLED') || /has not been used in project|is disabled/i.test(text)) {
    return new MeetSpaceFailure(
      'api_disabled',
      'the Google Meet REST API is not enabled in the Google Cloud project of SavvySolve Meet (your admin can enable it in the Cloud console)',
    );
  }
  if (oauthError === 'unauthorized_client' || /unauthorized_client/.test(text) || apiStatus === 'PERMISSION_DENIED' || status === 403) {
    return new MeetSpaceFailure(
      'scope_not_granted',
      'your Google Workspace admin has not yet allowed SavvySolve Meet to change Meet settings (domain-wide delegation scopes meetings.space.settings and meetings.space.readonly)',
    );
  }
  if (status === 404) return new MeetSpaceFailure('not_found', 'Google Meet could not find this meeting room');
  if (status === 429) return new MeetSpaceFailure('rate_limited', 'Google Meet asked us to slow down');
  if (typeof status === 'number' && status >= 500)
    return new MeetSpaceFailure('unavailable', `Google Meet is unavailable (HTTP ${status})`);
  if (err.code === 'ETIMEDOUT' || err.code === 'ECONNABORTED' || /timeout|aborted/i.test(text)) {
    return new MeetSpaceFailure('timeout', 'Google Meet did not answer in time');
  }
  if (status === undefined) return new MeetSpaceFailure('unavailable', 'Google Meet could not be reached');
  return new MeetSpaceFailure('rejected', `Google Meet refused the request (HTTP ${status})`);
}
