import { describe, expect, it } from 'vitest';
import { diagnoseSigningError } from './delegation-failure.ts';

// Bodies as IAM Credentials answers them (google.rpc.Status with ErrorInfo details), as gaxios hands them over.
const rpc = (status: number, message: string, reason?: string) => ({
  message,
  status,
  response: { status, data: { error: { code: status, message, details: reason ? [{ reason }] : [] } } },
});
const SA = 'savvysolve-meet@proj.iam.gserviceaccount.com';

describe('diagnoseSigningError', () => {
  it.each([
    [
      rpc(403, "Permission 'iam.serviceAccounts.signJwt' denied on resource (or it may not exist).", 'IAM_PERMISSION_DENIED'),
      'token_creator_missing',
    ],
    [rpc(403, 'Request had insufficient authentication scopes.', 'ACCESS_TOKEN_SCOPE_INSUFFICIENT'), 'adc_rejected'],
    [
      rpc(403, 'IAM Service Account Credentials API has not been used in project 1 before or it is disabled.', 'SERVICE_DISABLED'),
      'iam_api_disabled',
    ],
    [rpc(404, `Not found; Gaia id not found for email ${SA}`), 'service_account_not_found'],
    [rpc(401, 'Request had invalid authentication credentials.'), 'adc_rejected'],
    [rpc(503, 'The service is currently unavailable.'), 'iam_unavailable'],
    [{ message: 'timeout of 8000ms exceeded', code: 'ETIMEDOUT' }, 'iam_unavailable'],
    [
      new Error(
        'Could not load the default credentials. Browse to https://cloud.google.com/docs/authentication/getting-started for more information.',
      ),
      'no_adc',
    ],
    [rpc(400, 'Invalid form of the payload.'), 'signing_rejected'],
  ])('%#: %o → %s', (error, kind) => {
    expect(diagnoseSigningError(error, SA, 'runner@proj.iam.gserviceaccount.com').kind).toBe(kind);
  });

  it('names the service account and the identity to grant Token Creator to, or says where to find it', () => {
    const denied = rpc(403, "Permission 'iam.serviceAccounts.signJwt' denied", 'IAM_PERMISSION_DENIED');
    expect(diagnoseSigningError(denied, SA, 'runner@proj.iam.gserviceaccount.com').message).toContain(
      `grant roles/iam.serviceAccountTokenCreator (Service Account Token Creator) on ${SA} to runner@proj.iam.gserviceaccount.com`,
    );
    expect(diagnoseSigningError(denied, SA, undefined).message).toContain(
      "to the backend's own identity (the principal of its Application Default Credentials)",
    );
  });
});
