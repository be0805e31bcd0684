import type { Config } from '../env.ts';
import { createDelegatedAuth, type DelegatedAuth } from './delegated-auth.ts';
import { createIamSigner, createKeySigner } from './jwt-signers.ts';

/**
 * The one credential source for domain-wide delegation, from the configuration: the key when
 * GOOGLE_SERVICE_ACCOUNT_KEY is set, else keyless (IAM Credentials signs for GOOGLE_SERVICE_ACCOUNT_EMAIL with the
 * backend's Application Default Credentials); undefined when neither is configured.
 */
export function createCredentialSource(google: Config['google'], timeoutMs = 8_000): DelegatedAuth | undefined {
  const signer = google.serviceAccount
    ? createKeySigner(google.serviceAccount)
    : google.serviceAccountEmail
      ? createIamSigner({ serviceAccountEmail: google.serviceAccountEmail, iamCredentialsUrl: google.iamCredentialsUrl, timeoutMs })
      : undefined;
  return signer && createDelegatedAuth({ signer, oauthUrl: google.oauthUrl, timeoutMs });
}
