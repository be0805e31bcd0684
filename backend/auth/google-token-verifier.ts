import { gaxios, OAuth2Client } from 'google-auth-library';
import { z } from 'zod';
import { countedFetch, type Metrics } from '../metrics/metrics.ts';

/** What Google says about an access token the extension obtained. */
/** `accountId`: the Google account id (`sub`), the same as `users/{id}` among Meet participants. */
export type GoogleTokenIdentity = { email: string; emailVerified: boolean; audience: string; accountId?: string };

export type GoogleTokenVerifier = {
  /**
   * Asks Google's tokeninfo; undefined when Google does not know the token (invalid or expired).
   * @throws GoogleUnavailableError when Google answers 408, 429 or 5xx, times out or cannot be reached.
   */
  verify(accessToken: string): Promise<GoogleTokenIdentity | undefined>;
};

/** Google could not say whether a token is good (outage, overload, timeout): not the user's fault, try later. */
export class GoogleUnavailableError extends Error {
  constructor(
    message: string,
    /** Google's HTTP status, undefined when no answer came (timeout, network). */
    readonly status?: number,
  ) {
    super(message);
    this.name = 'GoogleUnavailableError';
  }
}

export type GoogleTokenVerifierOptions = {
  /** Per request to tokeninfo, in milliseconds; default 5 000. */
  timeoutMs?: number;
  /** Counts each request to tokeninfo as `google` (savvysolve_meet_outbound_*). */
  metrics?: Metrics;
};

const tokenInfoSchema = z.object({
  aud: z.string().optional(),
  azp: z.string().optional(),
  email: z.string().optional(),
  sub: z.string().optional(),
  email_verified: z.union([z.boolean(), z.string()]).optional(),
});

// getTokenInfo asks gaxios for retries on every call (3 by default, so one sign-in became 4 calls in an outage,
// each outage multiplied by every client's own retries). The client's retryConfig is merged under that: one retry
// on 5xx, none after a timeout (which already cost timeoutMs) or on 429 (Google asks us to slow down).
const RETRY_CONFIG = { retry: 1, noResponseRetries: 0, statusCodesToRetry: [[500, 599]] };

/** Verifies access tokens with tokeninfo at `${oauthUrl}/tokeninfo`. */
export function createGoogleTokenVerifier(oauthUrl: string, options: GoogleTokenVerifierOptions = {}): GoogleTokenVerifier {
  const client = new OAuth2Client({
    endpoints: { tokenInfoUrl: `${oauthUrl}/tokeninfo` },
    transporterOptions: {
      timeout: options.timeoutMs ?? 5_000,
      retryConfig: RETRY_CONFIG,
      ...(options.metrics ? { fetchImplementation: countedFetch('google', options.metrics) } : {}),
    },
  });
  return {
    async verify(accessToken) {
      let info: unknown;
      try {
        info = await client.getTokenInfo(accessToken);
      } catch (error) {
        const status = statusOf(error);
        // tokeninfo answers 400 invalid_token for an unknown or expired token.
        if (status === 400 || status === 401) return undefined;
        if (status !== undefined || isNetworkError(error)) {
          throw new GoogleUnavailableError(status ? `Google tokeninfo answered HTTP ${status}` : 'Google tokeninfo did not answer', status);
        }
        throw error;
      }
      const parsed = tokenInfoSchema.parse(info);
      if (!parsed.email) return undefined;
      return {
        email: parsed.email.toLowerCase(),
        emailVerified: parsed.email_verified === true || parsed.email_verified === 'true',
        audience: parsed.aud ?? parsed.azp ?? '',
        accountId: parsed.sub,
      };
    },
  };
}

function statusOf(error: unknown): number | undefined {
  const status = (error as { status?: unknown }).status ?? (error as { response?: { status?: unknown } }).response?.status;
  return typeof status === 'number' ? status : undefined;
}

/** A gaxios error without a response: timeout, refused connection, DNS. */
const isNetworkError = (error: unknown) => error instanceof gaxios.GaxiosError && !error.response;
