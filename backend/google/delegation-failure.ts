/**
 * Why a delegated token could not be signed in keyless mode (IAM Credentials `signJwt` or the backend's own
 * Application Default Credentials). The token exchange's own refusals (`unauthorized_client`, `invalid_grant`) stay
 * Google's errors and are named by the Calendar / Meet diagnoses, as in key mode.
 */
export type DelegationFailureKind =
  | 'token_creator_missing'
  | 'service_account_not_found'
  | 'iam_api_disabled'
  | 'no_adc'
  | 'adc_rejected'
  | 'iam_unavailable'
  | 'signing_rejected';

/** A keyless-signing failure with the admin's fix in plain words (never a token). */
export class DelegationFailure extends Error {
  constructor(
    readonly kind: DelegationFailureKind,
    message: string,
  ) {
    super(message);
    this.name = 'DelegationFailure';
  }
}

type ErrorLike = { message?: string; code?: string | number; status?: number; response?: { status?: number; data?: unknown } };
type RpcError = {
  message?: string;
  status?: string;
  details?: { reason?: string; metadata?: { consumer?: string; permission?: string } }[];
};

const NO_ADC_FIX =
  'set up Application Default Credentials for the backend: run it as a service account (Cloud Run, GKE Workload Identity, Compute Engine), ' +
  'or set GOOGLE_APPLICATION_CREDENTIALS to a credentials file (Workload Identity Federation for AWS / Azure / OIDC, or an authorized_user file), ' +
  'or on a laptop run `gcloud auth application-default login` — or set GOOGLE_SERVICE_ACCOUNT_KEY instead where keys are allowed';

/** True for what is worth one more try: IAM's 5xx, a timeout, a network error. */
export function isTransient(error: unknown): boolean {
  const err = (error ?? {}) as ErrorLike;
  const status = err.status ?? err.response?.status;
  if (typeof status === 'number') return status >= 500 || status === 429;
  return (
    err.code === 'ETIMEDOUT' ||
    err.code === 'ECONNABORTED' ||
    err.code === 'ECONNREFUSED' ||
    /timeout|aborted|fetch failed/i.test(err.message ?? '')
  );
}

/**
 * Turns an error of the keyless path (Application Default Credentials, then IAM Credentials `signJwt` for
 * `serviceAccount`) into a named failure whose message says what the admin does about it.
 * @param identity the backend's own principal (the ADC email) when it could be found.
 */
export function diagnoseSigningError(error: unknown, serviceAccount: string, identity: string | undefined): DelegationFailure {
  if (error instanceof DelegationFailure) return error;
  const err = (error ?? {}) as ErrorLike;
  const status = err.status ?? err.response?.status;
  const data = err.response?.data as { error?: RpcError } | undefined;
  const rpc = typeof data?.error === 'object' ? data.error : undefined;
  const reasons = (rpc?.details ?? []).map((detail) => detail.reason);
  const text = `${rpc?.message ?? ''} ${err.message ?? ''}`;
  const who = identity ?? "the backend's own identity (the principal of its Application Default Credentials)";

  if (/Could not load the default credentials/.test(text)) {
    return new DelegationFailure(
      'no_adc',
      `The backend has no Google identity to ask IAM to sign with (no Application Default Credentials): ${NO_ADC_FIX}.`,
    );
  }
  if (/Could not refresh access token/.test(text) && !(typeof status === 'number' && status >= 500)) {
    return new DelegationFailure(
      'adc_rejected',
      `The backend's Application Default Credentials could not get an access token (${status ? `HTTP ${status}` : 'no answer'}): ${NO_ADC_FIX}.`,
    );
  }
  if (reasons.includes('SERVICE_DISABLED') || /has not been used in project|it is disabled/i.test(text)) {
    const project =
      rpc?.details?.find((detail) => detail.reason === 'SERVICE_DISABLED')?.metadata?.consumer ?? "the project of the backend's identity";
    return new DelegationFailure(
      'iam_api_disabled',
      `The IAM Service Account Credentials API is disabled in ${project}: enable "IAM Service Account Credentials API" (iamcredentials.googleapis.com) in Google Cloud › APIs & Services › Library, then wait a few minutes.`,
    );
  }
  if (reasons.includes('ACCESS_TOKEN_SCOPE_INSUFFICIENT')) {
    return new DelegationFailure(
      'adc_rejected',
      `The backend's own credentials lack the cloud-platform scope IAM Credentials needs (HTTP 403): on Compute Engine or GKE node pools, allow the "cloud-platform" access scope for ${who}.`,
    );
  }
  if (status === 404) {
    return new DelegationFailure(
      'service_account_not_found',
      `The service account ${serviceAccount} does not exist (IAM Credentials answered 404): check GOOGLE_SERVICE_ACCOUNT_EMAIL against Google Cloud › IAM & Admin › Service accounts.`,
    );
  }
  if (status === 403) {
    return new DelegationFailure(
      'token_creator_missing',
      `Google IAM refused to sign the delegation JWT: grant roles/iam.serviceAccountTokenCreator (Service Account Token Creator) on ${serviceAccount} to ${who} (Google Cloud › IAM & Admin › Service accounts › ${serviceAccount} › Permissions).`,
    );
  }
  if (status === 401) {
    return new DelegationFailure('adc_rejected', `Google IAM refused the backend's own credentials (HTTP 401): ${NO_ADC_FIX}.`);
  }
  if (isTransient(error)) {
    return new DelegationFailure(
      'iam_unavailable',
      `Google IAM Credentials is unavailable (${typeof status === 'number' ? `HTTP ${status}` : 'no answer in time'}), also on a second try.`,
    );
  }
  return new DelegationFailure(
    'signing_rejected',
    `Google IAM Credentials refused to sign for ${serviceAccount} (HTTP ${status ?? '?'}: ${rpc?.message ?? err.message ?? 'no details'}).`,
  );
}
