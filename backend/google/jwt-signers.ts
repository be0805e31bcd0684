import { GoogleAuth } from 'google-auth-library';
import { iamcredentials_v1 } from './google-apis.ts';
import { SignJWT, importPKCS8 } from 'jose';
import type { ServiceAccountKey } from '../env.ts';
import { diagnoseSigningError, isTransient } from './delegation-failure.ts';
import { CLOUD_PLATFORM_SCOPE } from './scopes.ts';

/** The claims of a domain-wide-delegation assertion (RFC 7523 JWT bearer), times in seconds since the epoch. */
export type DelegationClaims = { iss: string; sub: string; scope: string; aud: string; iat: number; exp: number };

/** Signs delegation assertions as one service account: with its key, or through IAM Credentials (keyless). */
export type JwtSigner = {
  mode: 'key' | 'keyless';
  /** The delegated service account (the assertion's `iss`). */
  serviceAccountEmail: string;
  /** Its OAuth client id (what the Admin console's delegation lists), when known: the key has it, keyless does not. */
  clientId: string | undefined;
  /** A signed RS256 JWT of `claims`. Keyless: @throws DelegationFailure. */
  sign(claims: DelegationClaims): Promise<string>;
  /** The backend's own Google identity (keyless: the ADC principal's email, when it can be found). */
  identity(): Promise<string | undefined>;
};

/** Key mode: signs locally with the downloaded JSON key. */
export function createKeySigner(key: ServiceAccountKey): JwtSigner {
  const privateKey = importPKCS8(key.private_key, 'RS256');
  return {
    mode: 'key',
    serviceAccountEmail: key.client_email,
    clientId: key.client_id,
    sign: async (claims) => new SignJWT(claims).setProtectedHeader({ alg: 'RS256', typ: 'JWT' }).sign(await privateKey),
    identity: async () => key.client_email,
  };
}

export type IamSignerOptions = {
  serviceAccountEmail: string;
  /** `GOOGLE_IAM_CREDENTIALS_URL`, e.g. https://iamcredentials.googleapis.com (no trailing slash). */
  iamCredentialsUrl: string;
  timeoutMs: number;
  /** The backend's own credentials; default: Application Default Credentials with the cloud-platform scope. */
  auth?: GoogleAuth;
};

/**
 * Keyless mode: IAM Credentials `projects/-/serviceAccounts/{email}:signJwt` signs with the service account's
 * Google-managed key, called with the backend's Application Default Credentials (found as google-auth-library
 * finds them: GOOGLE_APPLICATION_CREDENTIALS, gcloud's file, then the metadata server — GCE_METADATA_HOST and
 * METADATA_SERVER_DETECTION are honoured by gcp-metadata). An outage (5xx, timeout) is retried once.
 */
export function createIamSigner(options: IamSignerOptions): JwtSigner {
  const auth = options.auth ?? new GoogleAuth({ scopes: [CLOUD_PLATFORM_SCOPE] });
  const iam = new iamcredentials_v1.Iamcredentials({ auth, rootUrl: `${options.iamCredentialsUrl}/` });
  const name = `projects/-/serviceAccounts/${options.serviceAccountEmail}`;
  // Finding the credentials takes about a second (more under load): do it now, not on the first click. A failure
  // here is reported by the click (or the doctor) that next asks.
  void auth.getClient().catch(() => undefined);
  let identity: Promise<string | undefined> | undefined;
  const identityOf = () =>
    (identity ??= auth.getCredentials().then(
      (credentials) => credentials.client_email ?? undefined,
      () => {
        identity = undefined;
        return undefined;
      },
    ));

  const signOnce = async (claims: DelegationClaims) => {
    const { data } = await iam.projects.serviceAccounts.signJwt(
      { name, requestBody: { payload: JSON.stringify(claims) } },
      { timeout: options.timeoutMs, retry: false },
    );
    if (!data.signedJwt) throw new Error('IAM Credentials answered without a signedJwt');
    return data.signedJwt;
  };

  return {
    mode: 'keyless',
    serviceAccountEmail: options.serviceAccountEmail,
    clientId: undefined,
    async sign(claims) {
      try {
        try {
          return await signOnce(claims);
        } catch (error) {
          if (!isTransient(error)) throw error;
          return await signOnce(claims);
        }
      } catch (error) {
        throw diagnoseSigningError(error, options.serviceAccountEmail, await identityOf());
      }
    },
    identity: identityOf,
  };
}
