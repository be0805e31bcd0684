import { DelegationFailure, type DelegationFailureKind } from '../google/delegation-failure.ts';
import type { JwtSigner } from '../google/jwt-signers.ts';
import { CALENDAR_SCOPE } from '../google/scopes.ts';

export type CalendarFailureKind =
  | DelegationFailureKind
  | 'delegation_not_granted'
  | 'invalid_grant'
  | 'conference_not_allowed'
  | 'rate_limited'
  | 'unavailable'
  | 'timeout'
  | 'no_video_entry_point'
  | 'pending_timeout'
  | 'rejected';

/** A Calendar failure, with a message an admin can act on (never a token or key). */
export class CalendarFailure extends Error {
  constructor(
    readonly kind: CalendarFailureKind,
    message: string,
    readonly retryable = false,
  ) {
    super(message);
    this.name = 'CalendarFailure';
  }
}

type ErrorLike = {
  message?: string;
  code?: string | number;
  status?: number;
  response?: { status?: number; data?: unknown };
};

/** Where the admin finds the client id a keyless deployment has no key file to read it from. */
export const CLIENT_ID_HINT = "the service account's client ID (Google Cloud › IAM & Admin › Service accounts › its OAuth 2 Client ID)";

/**
 * Turns a googleapis / google-auth-library error into a named, explained failure. A keyless signing failure
 * keeps its kind and fix; the exchange's refusals are worded for the signer's mode (key or keyless).
 */
export function diagnoseCalendarError(
  error: unknown,
  subject: string,
  signer: Pick<JwtSigner, 'mode' | 'clientId'> | undefined,
): CalendarFailure {
  if (error instanceof CalendarFailure) return error;
  if (error instanceof DelegationFailure) return new CalendarFailure(error.kind, error.message, false);
  const clientId = signer?.clientId;
  const err = (error ?? {}) as ErrorLike;
  const status = err.status ?? err.response?.status;
  const data = err.response?.data as
    { error?: string | { message?: string; errors?: { reason?: string; message?: string }[] }; error_description?: string } | undefined;
  const oauthError = typeof data?.error === 'string' ? data.error : undefined;
  const apiError = typeof data?.error === 'object' ? data.error : undefined;
  const reason = apiError?.errors?.[0]?.reason ?? '';
  const text = `${apiError?.message ?? ''} ${err.message ?? ''}`;

  if (oauthError === 'unauthorized_client' || /unauthorized_client/.test(text)) {
    return new CalendarFailure(
      'delegation_not_granted',
      `Domain-wide delegation is not granted for ${subject}: in the Google Workspace Admin console (Security › Access and data control › API controls › Domain-wide delegation) add client ID ${clientId ?? CLIENT_ID_HINT} with scope ${CALENDAR_SCOPE}.`,
    );
  }
  if (oauthError === 'invalid_grant' || /invalid_grant/.test(text)) {
    return new CalendarFailure(
      'invalid_grant',
      signer?.mode === 'keyless'
        ? `Google rejected the delegated sign-in as ${subject} (invalid_grant): check that the service account in GOOGLE_SERVICE_ACCOUNT_EMAIL is enabled and that ${subject} is an active Workspace user.`
        : `Google rejected the service-account sign-in as ${subject} (invalid_grant): check that GOOGLE_SERVICE_ACCOUNT_KEY is a current key of an enabled service account and that ${subject} is an active Workspace user.`,
    );
  }
  if (/Invalid conference type value/i.test(text)) {
    return new CalendarFailure(
      'conference_not_allowed',
      `Google refused to add a Meet conference on ${subject}'s calendar ("Invalid conference type value"): the service account must act through domain-wide delegation as a Workspace user with Google Meet enabled.`,
    );
  }
  if (status === 429 || (status === 403 && /rateLimitExceeded|userRateLimitExceeded|quotaExceeded/.test(reason))) {
    return new CalendarFailure('rate_limited', `Google Calendar quota exceeded (HTTP ${status} ${reason || 'rate limited'}).`, true);
  }
  if (typeof status === 'number' && status >= 500) {
    return new CalendarFailure('unavailable', `Google Calendar is unavailable (HTTP ${status}).`, true);
  }
  if (err.code === 'ETIMEDOUT' || err.code === 'ECONNABORTED' || /timeout|aborted/i.test(text)) {
    return new CalendarFailure('timeout', 'Google Calendar did not answer in time.', true);
  }
  if (status === undefined) {
    return new CalendarFailure('unavailable', `Google Calendar could not be reached (${err.code ?? 'network error'}).`, true);
  }
  return new CalendarFailure(
    'rejected',
    `Google Calendar refused the request (HTTP ${status}${reason ? ` ${reason}` : ''}: ${apiError?.message ?? 'no details'}).`,
  );
}
