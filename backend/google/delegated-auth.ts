import { JWT } from 'google-auth-library';
import type { ServiceAccountKey } from '../env.ts';
import { countedFetch, type Metrics } from '../metrics/metrics.ts';

const GOOGLE_TOKEN_URL = 'https://oauth2.googleapis.com/token';

/**
 * Service-account credentials acting as Workspace users (domain-wide delegation), one cached JWT client per
 * subject and scope set (google-auth-library keeps each one's access token until it expires). Each product area
 * asks for its own scopes: Google refuses the whole token exchange when one requested scope is not granted, so a
 * delegation missing the Meet scopes must never break Calendar. Every request (token exchanges and API calls) goes
 * through one fetch, where `metrics` counts it as `google`.
 */
export function createDelegatedAuth(options: {
  serviceAccount: ServiceAccountKey;
  oauthUrl: string;
  timeoutMs: number;
  metrics?: Metrics;
}) {
  const counted = countedFetch('google', options.metrics);
  // google-auth-library hard-codes the token URL; route it to GOOGLE_OAUTH_URL (emulators, proxies).
  const fetchImplementation: typeof fetch = (input, init) =>
    counted(String(input instanceof Request ? input.url : input) === GOOGLE_TOKEN_URL ? `${options.oauthUrl}/token` : input, init);
  const clients = new Map<string, JWT>();
  return {
    /** The JWT client acting as `subject` with exactly `scopes`. */
    forSubject(subject: string, scopes: string[]): JWT {
      const key = `${subject} ${scopes.join(' ')}`;
      let client = clients.get(key);
      if (!client) {
        client = new JWT({
          email: options.serviceAccount.client_email,
          key: options.serviceAccount.private_key,
          scopes,
          subject,
          transporterOptions: { fetchImplementation, timeout: options.timeoutMs },
        });
        clients.set(key, client);
      }
      return client;
    },
  };
}
