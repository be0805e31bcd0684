import { decodeProtectedHeader } from 'jose';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startEmulators, type Emulators } from './index.ts';

// The emulated metadata server and IAM Credentials signJwt refuse what Google refuses, with Google's bodies.
let emulators: Emulators;
beforeAll(async () => void (emulators = await startEmulators({ delegatedUsers: ['ada@example.com'] })));
afterAll(async () => emulators?.close());
beforeEach(() => emulators.reset());

const metadataToken = async (scopes = 'https://www.googleapis.com/auth/cloud-platform') => {
  const response = await fetch(`${emulators.google.url}/computeMetadata/v1/instance/service-accounts/default/token?scopes=${scopes}`, {
    headers: { 'Metadata-Flavor': 'Google' },
  });
  return ((await response.json()) as { access_token: string }).access_token;
};
const signJwt = async (token: string | undefined, payload: unknown, email = emulators.serviceAccount.clientEmail) => {
  const response = await fetch(`${emulators.google.url}/v1/projects/-/serviceAccounts/${encodeURIComponent(email)}:signJwt`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ payload: typeof payload === 'string' ? payload : JSON.stringify(payload) }),
  });
  return {
    status: response.status,
    body: (await response.json()) as {
      error?: { status: string; message: string; details?: { reason: string }[] };
      signedJwt?: string;
      keyId?: string;
    },
  };
};
const claims = () => {
  const iat = Math.floor(Date.now() / 1000);
  return {
    iss: emulators.serviceAccount.clientEmail,
    sub: 'ada@example.com',
    scope: 'https://www.googleapis.com/auth/calendar',
    aud: 'https://oauth2.googleapis.com/token',
    iat,
    exp: iat + 600,
  };
};

describe('emulated IAM Credentials signJwt', () => {
  it('signs with a Google-managed key (its kid), which the token endpoint accepts', async () => {
    const { status, body } = await signJwt(await metadataToken(), claims());
    expect(status).toBe(200);
    expect(decodeProtectedHeader(body.signedJwt!)).toMatchObject({ alg: 'RS256', kid: body.keyId });
    const exchange = await fetch(`${emulators.google.url}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion: body.signedJwt! }),
    });
    expect([exchange.status, ((await exchange.json()) as { token_type?: string }).token_type]).toEqual([200, 'Bearer']);
  });

  it.each([
    ['no caller token', async () => signJwt(undefined, claims()), 401, 'UNAUTHENTICATED', undefined],
    ['an unknown caller token', async () => signJwt('ya29.forged', claims()), 401, 'UNAUTHENTICATED', undefined],
    [
      'a caller token without cloud-platform',
      async () => signJwt(await metadataToken('https://www.googleapis.com/auth/userinfo.email'), claims()),
      403,
      'PERMISSION_DENIED',
      'ACCESS_TOKEN_SCOPE_INSUFFICIENT',
    ],
    [
      'an unknown service account',
      async () => signJwt(await metadataToken(), claims(), 'ghost@emulated-project.iam.gserviceaccount.com'),
      404,
      'NOT_FOUND',
      undefined,
    ],
    ['a payload that is not a JSON object', async () => signJwt(await metadataToken(), '[1]'), 400, 'INVALID_ARGUMENT', undefined],
    [
      'an exp more than 12 hours ahead',
      async () => signJwt(await metadataToken(), { ...claims(), exp: Math.floor(Date.now() / 1000) + 13 * 3600 }),
      400,
      'INVALID_ARGUMENT',
      undefined,
    ],
  ])('refuses %s', async (_case, call, status, rpcStatus, reason) => {
    const answer = await call();
    expect([answer.status, answer.body.error?.status]).toEqual([status, rpcStatus]);
    if (reason) expect(answer.body.error?.details?.[0]?.reason).toBe(reason);
  });

  it('refuses a caller without Token Creator, and answers again once it is granted back', async () => {
    emulators.google.iam.setTokenCreator(emulators.serviceAccount.clientEmail, false);
    const token = await metadataToken();
    const denied = await signJwt(token, claims());
    expect([denied.status, denied.body.error?.details?.[0]?.reason]).toEqual([403, 'IAM_PERMISSION_DENIED']);
    emulators.google.iam.setTokenCreator(emulators.serviceAccount.clientEmail, true);
    expect((await signJwt(token, claims())).status).toBe(200);
  });

  it('answers SERVICE_DISABLED while the API is off, naming the project', async () => {
    emulators.google.iam.setIamCredentialsEnabled(false);
    const { status, body } = await signJwt(await metadataToken(), claims());
    expect([status, body.error?.details?.[0]?.reason]).toEqual([403, 'SERVICE_DISABLED']);
    expect(body.error?.message).toMatch(/IAM Service Account Credentials API has not been used in project \d+ before or it is disabled/);
  });
});
