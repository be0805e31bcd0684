import { OAuth2Client } from 'google-auth-library';
import { z } from 'zod';

/** What Google says about an access token the extension obtained. */
export type GoogleTokenIdentity = { email: string; emailVerified: boolean; audience: string };

export type GoogleTokenVerifier = {
  /** Asks Google's tokeninfo; undefined when Google does not know the token (invalid or expired). */
  verify(accessToken: string): Promise<GoogleTokenIdentity | undefined>;
};

const tokenInfoSchema = z.object({
  aud: z.string().optional(),
  azp: z.string().optional(),
  email: z.string().optional(),
  email_verified: z.union([z.boolean(), z.string()]).optional(),
});

/** Verifies access tokens with tokeninfo at `${oauthUrl}/tokeninfo`. */
export function createGoogleTokenVerifier(oauthUrl: string): GoogleTokenVerifier {
  const client = new OAuth2Client({ endpoints: { tokenInfoUrl: `${oauthUrl}/tokeninfo` }, transporterOptions: { timeout: 10_000 } });
  return {
    async verify(accessToken) {
      let info: unknown;
      try {
        info = await client.getTokenInfo(accessToken);
      } catch (error) {
        if (isClientError(error)) return undefined;
        throw error;
      }
      const parsed = tokenInfoSchema.parse(info);
      if (!parsed.email) return undefined;
      return {
        email: parsed.email.toLowerCase(),
        emailVerified: parsed.email_verified === true || parsed.email_verified === 'true',
        audience: parsed.aud ?? parsed.azp ?? '',
      };
    },
  };
}

function isClientError(error: unknown): boolean {
  const status =
    (error as { status?: number; response?: { status?: number } }).status ?? (error as { response?: { status?: number } }).response?.status;
  return typeof status === 'number' && status >= 400 && status < 500;
}
