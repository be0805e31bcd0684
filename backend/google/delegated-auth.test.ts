import { OAuth2Client } from 'google-auth-library';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startEmulators, useEmulatedAdc, type Emulators } from '../../test/emulators/index.ts';
import { diagnoseCalendarError } from '../meet/calendar-failure.ts';
import { createDelegatedAuth, REFRESH_BEFORE_EXPIRY_MS } from './delegated-auth.ts';
import { DelegationFailure } from './delegation-failure.ts';
import { createIamSigner, createKeySigner } from './jwt-signers.ts';
import { CALENDAR_SCOPES, MEET_SPACE_SCOPES } from './scopes.ts';

// Both credential sources with the real google-auth-library / googleapis clients against the Google emulator:
// keyless finds its own identity on the emulated metadata server, as on Cloud Run.
const ADA = 'ada@example.com';
let emulators: Emulators;
let restoreEnv: () => void;

beforeAll(async () => {
  emulators = await startEmulators({ delegatedUsers: [ADA] });
  restoreEnv = useEmulatedAdc(emulators.adcEnv);
});
afterAll(async () => {
  restoreEnv?.();
  await emulators?.close();
});
beforeEach(() => emulators.reset());

const google = () => emulators.google;
const keyless = (options: { now?: () => number; serviceAccountEmail?: string } = {}) =>
  createDelegatedAuth({
    signer: createIamSigner({
      serviceAccountEmail: options.serviceAccountEmail ?? emulators.serviceAccount.clientEmail,
      iamCredentialsUrl: google().url,
      timeoutMs: 5_000,
    }),
    oauthUrl: google().url,
    timeoutMs: 5_000,
    now: options.now,
  });
const withKey = () =>
  createDelegatedAuth({ signer: createKeySigner(emulators.serviceAccount.json), oauthUrl: google().url, timeoutMs: 5_000 });
const tokenInfo = (accessToken: string) =>
  new OAuth2Client({ endpoints: { tokenInfoUrl: `${google().url}/tokeninfo` } }).getTokenInfo(accessToken);
const failureOf = async (promise: Promise<unknown>) => {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(DelegationFailure);
  return error as DelegationFailure;
};

describe('delegated tokens, key and keyless', () => {
  it.each([
    ['keyless', keyless],
    ['key', withKey],
  ])('%s: a token acting as the solver with exactly the asked scopes', async (_mode, create) => {
    const delegated = create();
    const calendar = await delegated.accessToken(ADA, CALENDAR_SCOPES);
    const meet = await delegated.accessToken(ADA, MEET_SPACE_SCOPES);
    expect((await tokenInfo(calendar.accessToken)).email).toBe(ADA);
    expect((await tokenInfo(calendar.accessToken)).scopes).toEqual(CALENDAR_SCOPES);
    expect((await tokenInfo(meet.accessToken)).scopes).toEqual(MEET_SPACE_SCOPES);
    expect(google().requests('signJwt')).toHaveLength(_mode === 'keyless' ? 2 : 0);
    expect(google().requests('token')).toHaveLength(2);
  });

  it('keyless: signJwt is called with the ADC token and the delegation claims', async () => {
    await keyless().accessToken(ADA, CALENDAR_SCOPES);
    const [sign] = google().requests('signJwt');
    expect(decodeURIComponent(sign!.path)).toBe(`/v1/projects/-/serviceAccounts/${emulators.serviceAccount.clientEmail}:signJwt`);
    const bearer = sign!.headers.authorization!.replace(/^Bearer /, '');
    expect((await tokenInfo(bearer)).email).toBe(google().iam.attachedServiceAccount);
    const claims = JSON.parse((sign!.body as { payload: string }).payload);
    expect(claims).toMatchObject({
      iss: emulators.serviceAccount.clientEmail,
      sub: ADA,
      scope: CALENDAR_SCOPES.join(' '),
      aud: 'https://oauth2.googleapis.com/token',
    });
    expect(claims.exp - claims.iat).toBeLessThanOrEqual(3600);
    expect(google().requests('metadata.token')[0]!.headers['metadata-flavor']).toBe('Google');
  });

  it('20 simultaneous requests of one solver share one signJwt and one exchange; the token is reused', async () => {
    const delegated = keyless();
    const tokens = await Promise.all(Array.from({ length: 20 }, () => delegated.accessToken(ADA, CALENDAR_SCOPES)));
    expect(new Set(tokens.map((token) => token.accessToken)).size).toBe(1);
    await delegated.accessToken(ADA, CALENDAR_SCOPES);
    expect(google().requests('signJwt')).toHaveLength(1);
    expect(google().requests('token')).toHaveLength(1);
  });

  it('a token is replaced 5 minutes before it expires, not earlier', async () => {
    let clock = Date.now();
    const delegated = keyless({ now: () => clock });
    const first = await delegated.accessToken(ADA, CALENDAR_SCOPES);
    clock = first.expiresAt - REFRESH_BEFORE_EXPIRY_MS - 1_000;
    expect((await delegated.accessToken(ADA, CALENDAR_SCOPES)).accessToken).toBe(first.accessToken);
    clock = first.expiresAt - REFRESH_BEFORE_EXPIRY_MS + 1_000;
    expect((await delegated.accessToken(ADA, CALENDAR_SCOPES)).accessToken).not.toBe(first.accessToken);
    expect(google().requests('signJwt')).toHaveLength(2);
  });

  it('steady use: one signJwt and one exchange per 56 minutes over an 8-hour day of clicks every 2 minutes', async () => {
    const start = Date.now();
    let clock = start;
    const delegated = keyless({ now: () => clock });
    for (let minute = 0; minute < 8 * 60; minute += 2) {
      clock = start + minute * 60_000;
      await delegated.accessToken(ADA, CALENDAR_SCOPES);
    }
    // Google's tokens last 3599 s and are replaced 5 minutes early: minutes 0, 56, 112, … 448.
    expect(google().requests('signJwt')).toHaveLength(9);
    expect(google().requests('token')).toHaveLength(9);
  });

  it('a failure is not cached: the next request signs again', async () => {
    const delegated = keyless();
    google().faults.set('signJwt', { status: 403, times: 1 });
    await failureOf(delegated.accessToken(ADA, CALENDAR_SCOPES));
    await expect(delegated.accessToken(ADA, CALENDAR_SCOPES)).resolves.toMatchObject({ accessToken: expect.any(String) });
  });
});

describe('keyless failures, in plain words with the fix', () => {
  it('Token Creator revoked: grant roles/iam.serviceAccountTokenCreator on the account to the backend identity', async () => {
    google().iam.setTokenCreator(emulators.serviceAccount.clientEmail, false);
    const failure = await failureOf(keyless().accessToken(ADA, CALENDAR_SCOPES));
    expect(failure.kind).toBe('token_creator_missing');
    expect(failure.message).toContain(
      `grant roles/iam.serviceAccountTokenCreator (Service Account Token Creator) on ${emulators.serviceAccount.clientEmail} to ${google().iam.attachedServiceAccount}`,
    );
  });

  it('an unknown service account: it does not exist', async () => {
    const failure = await failureOf(
      keyless({ serviceAccountEmail: 'nobody@emulated-project.iam.gserviceaccount.com' }).accessToken(ADA, CALENDAR_SCOPES),
    );
    expect(failure.kind).toBe('service_account_not_found');
    expect(failure.message).toContain('nobody@emulated-project.iam.gserviceaccount.com does not exist');
  });

  it('IAM Credentials API disabled: enable it in the project', async () => {
    google().iam.setIamCredentialsEnabled(false);
    const failure = await failureOf(keyless().accessToken(ADA, CALENDAR_SCOPES));
    expect(failure.kind).toBe('iam_api_disabled');
    expect(failure.message).toMatch(
      /disabled in projects\/\d+: enable "IAM Service Account Credentials API" \(iamcredentials\.googleapis\.com\)/,
    );
  });

  it('no Application Default Credentials: says what to set', async () => {
    const restore = useEmulatedAdc({ ...emulators.adcEnv, METADATA_SERVER_DETECTION: 'none' as 'assume-present' });
    try {
      const failure = await failureOf(keyless().accessToken(ADA, CALENDAR_SCOPES));
      expect(failure.kind).toBe('no_adc');
      expect(failure.message).toMatch(/GOOGLE_APPLICATION_CREDENTIALS.*gcloud auth application-default login/);
    } finally {
      restore();
      Object.assign(process.env, emulators.adcEnv);
    }
    expect(google().requests('signJwt')).toHaveLength(0);
  });

  it('an IAM outage is retried once, then named', async () => {
    google().faults.set('signJwt', { status: 503, times: 1 });
    await keyless().accessToken(ADA, CALENDAR_SCOPES);
    expect(google().requests('signJwt')).toHaveLength(2);

    google().faults.set('signJwt', { status: 503, times: 2 });
    const failure = await failureOf(keyless().accessToken(ADA, MEET_SPACE_SCOPES));
    expect(failure.kind).toBe('iam_unavailable');
    expect(google().requests('signJwt')).toHaveLength(4);
  });

  it("the exchange's unauthorized_client stays the Admin console's delegation", async () => {
    google().setDelegation(ADA, null);
    const error = await keyless()
      .accessToken(ADA, CALENDAR_SCOPES)
      .catch((caught: unknown) => caught);
    const failure = diagnoseCalendarError(error, ADA, { mode: 'keyless', clientId: undefined });
    expect(failure.kind).toBe('delegation_not_granted');
    expect(failure.message).toContain('Domain-wide delegation');
  });
});

describe('emulated metadata server', () => {
  it('refuses a request without Metadata-Flavor: Google, as Google does', async () => {
    const url = `${google().url}/computeMetadata/v1/instance/service-accounts/default/email`;
    expect((await fetch(url)).status).toBe(403);
    const answer = await fetch(url, { headers: { 'Metadata-Flavor': 'Google' } });
    expect([answer.status, answer.headers.get('metadata-flavor'), await answer.text()]).toEqual([
      200,
      'Google',
      google().iam.attachedServiceAccount,
    ]);
  });
});
