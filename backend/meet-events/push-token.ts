import { OAuth2Client } from 'google-auth-library';

/** The issuers Google signs ID tokens as (Pub/Sub push tokens included). */
export const GOOGLE_ID_TOKEN_ISSUERS = ['https://accounts.google.com', 'accounts.google.com'];

export type PushTokenOptions = {
  /** GOOGLE_API_URL: Google's certificates are fetched from `{apiUrl}/oauth2/v1/certs` (the emulator can stand in). */
  apiUrl: string;
  /** PUBSUB_PUSH_AUDIENCE: the token's `aud`. */
  audience: string;
  /** PUBSUB_PUSH_SERVICE_ACCOUNT (lower-case): the token's `email`, verified. */
  serviceAccount: string;
};

/** Why a push was refused (a reason for the log; the caller answers 401 with one fixed message). */
export type PushTokenRefusal = string;

/** Thrown when Google's certificates cannot be fetched: an outside failure (503, Pub/Sub retries), not a bad token. */
export class PushCertificatesUnavailable extends Error {}

/**
 * Verifies the `Authorization: Bearer <OIDC JWT>` of a Pub/Sub push: an RS256 signature by one of Google's
 * certificates (google-auth-library's `verifyIdToken`, which also checks `exp`/`iat` and caches the certificates for
 * their `max-age`), `iss` Google's, `aud` the push audience, `email` the push service account with `email_verified`
 * (https://cloud.google.com/pubsub/docs/authenticate-push-subscriptions). Returns undefined when the token is good,
 * else the refusal reason. @throws PushCertificatesUnavailable
 */
export function createPushTokenVerifier(options: PushTokenOptions) {
  const client = new OAuth2Client({
    endpoints: { oauth2FederatedSignonPemCertsUrl: `${options.apiUrl}/oauth2/v1/certs` },
    issuers: GOOGLE_ID_TOKEN_ISSUERS,
  });
  return async (authorization: string | undefined): Promise<PushTokenRefusal | undefined> => {
    const idToken = /^Bearer\s+(\S+)$/i.exec(authorization ?? '')?.[1];
    if (!idToken) return 'no Bearer token';
    let payload;
    try {
      payload = (await client.verifyIdToken({ idToken, audience: options.audience })).getPayload();
    } catch (error) {
      const message = (error as Error).message ?? '';
      if (message.startsWith('Failed to retrieve verification certificates')) throw new PushCertificatesUnavailable(message);
      // google-auth-library's messages can quote the token's payload: keep only their first words.
      return `token refused: ${message.split(':')[0]!.slice(0, 80)}`;
    }
    if (!payload) return 'token has no payload';
    if (payload.email?.toLowerCase() !== options.serviceAccount) return 'token is not from the push service account';
    if (payload.email_verified !== true) return 'token email is not verified';
    return undefined;
  };
}

export type PushTokenVerifier = ReturnType<typeof createPushTokenVerifier>;
