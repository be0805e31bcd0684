import { JWT, OAuth2Client } from 'google-auth-library';
import { calendar_v3 } from '../../backend/google/google-apis.ts';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startGoogleEmulator, type GoogleEmulator } from './google-emulator.ts';
import { createTestServiceAccount } from './service-account.ts';

const CALENDAR_SCOPE = 'https://www.googleapis.com/auth/calendar';
const GOOGLE_TOKEN_URL = 'https://oauth2.googleapis.com/token';
const ADA = 'ada@example.com';
const serviceAccount = createTestServiceAccount();
const impostor = createTestServiceAccount({ clientEmail: serviceAccount.clientEmail });

let google: GoogleEmulator;

/** googleapis Calendar acting as `subject` through the service account, the way the backend builds it. */
function calendarAs(subject: string | undefined, key = serviceAccount.json.private_key) {
  const fetchImplementation: typeof fetch = (input, init) =>
    fetch(String(input instanceof Request ? input.url : input) === GOOGLE_TOKEN_URL ? `${google.url}/token` : input, init);
  const auth = new JWT({
    email: serviceAccount.clientEmail,
    key,
    scopes: [CALENDAR_SCOPE],
    subject,
    transporterOptions: { fetchImplementation },
  });
  return new calendar_v3.Calendar({ auth, rootUrl: `${google.url}/` });
}

const times = () => ({
  start: { dateTime: new Date().toISOString() },
  end: { dateTime: new Date(Date.now() + 3_600_000).toISOString() },
});
const meetRequest = (requestId = 'req-1') => ({ createRequest: { requestId, conferenceSolutionKey: { type: 'hangoutsMeet' } } });
const errorOf = async (promise: Promise<unknown>) => {
  try {
    await promise;
  } catch (error) {
    return error as { status?: number; message: string; response?: { data?: any } };
  }
  throw new Error('expected a rejection');
};

beforeAll(async () => {
  google = await startGoogleEmulator({
    serviceAccounts: [serviceAccount],
    delegations: { [serviceAccount.clientEmail]: [ADA] },
    meetBaseUrl: (url) => `${url}/meet`,
    signedInUser: ADA,
  });
});
afterAll(() => google.close());
afterEach(() => google.reset());

describe('service-account token exchange', () => {
  it('verifies the JWT-bearer assertion and issues a token for the delegated user', async () => {
    const { data } = await calendarAs(ADA).events.insert({ calendarId: ADA, requestBody: { summary: 'x', ...times() } });
    expect(data.organizer?.email).toBe(ADA);
    const [token] = google.requests('token');
    expect(token?.body.grant_type).toBe('urn:ietf:params:oauth:grant-type:jwt-bearer');
    expect(google.requests('events.insert')[0]?.headers.authorization).toMatch(/^Bearer ya29\./);
  });

  it('answers unauthorized_client (401) for a user without delegation', async () => {
    const error = await errorOf(calendarAs('bob@example.com').events.insert({ calendarId: 'bob@example.com', requestBody: times() }));
    expect(error.status).toBe(401);
    expect(error.response?.data).toMatchObject({ error: 'unauthorized_client' });
    expect(google.requests('events.insert')).toHaveLength(0);
  });

  it('answers invalid_grant (400) for an assertion signed with another key', async () => {
    const error = await errorOf(calendarAs(ADA, impostor.json.private_key).events.insert({ calendarId: ADA, requestBody: times() }));
    expect(error.status).toBe(400);
    expect(error.response?.data).toEqual({ error: 'invalid_grant', error_description: 'Invalid JWT Signature.' });
  });
});

describe('Calendar events', () => {
  it('inserts with a Meet conference, then gets, patches and deletes the event', async () => {
    const calendar = calendarAs(ADA);
    const { data: created } = await calendar.events.insert({
      calendarId: ADA,
      conferenceDataVersion: 1,
      requestBody: { id: 'meetevent0abc123', summary: 'Support', description: 'Session 1', ...times(), conferenceData: meetRequest() },
    });
    const video = created.conferenceData?.entryPoints?.find((entry) => entry.entryPointType === 'video');
    expect(created).toMatchObject({ id: 'meetevent0abc123', status: 'confirmed', summary: 'Support', hangoutLink: video?.uri });
    expect(created.conferenceData?.createRequest?.status?.statusCode).toBe('success');
    expect(video?.uri).toMatch(new RegExp(`^${google.url}/meet/[a-z]{3}-[a-z]{4}-[a-z]{3}$`));
    expect(await (await fetch(video!.uri!)).text()).toContain(`Emulated Meet room ${created.conferenceData?.conferenceId}`);

    const { data: fetched } = await calendar.events.get({ calendarId: 'primary', eventId: 'meetevent0abc123' });
    expect(fetched.hangoutLink).toBe(video?.uri);

    const end = new Date(Date.now() + 60_000).toISOString();
    await calendar.events.patch({
      calendarId: ADA,
      eventId: 'meetevent0abc123',
      conferenceDataVersion: 1,
      requestBody: { end: { dateTime: end } },
    });
    expect(google.calendar.events(ADA)[0]).toMatchObject({ end: { dateTime: end }, summary: 'Support', hangoutLink: video?.uri });

    expect((await calendar.events.delete({ calendarId: ADA, eventId: 'meetevent0abc123' })).status).toBe(204);
    expect(google.calendar.events(ADA)[0]?.status).toBe('cancelled');
    const again = await errorOf(calendar.events.delete({ calendarId: ADA, eventId: 'meetevent0abc123' }));
    expect(again.status).toBe(410);
    const missing = await errorOf(calendar.events.delete({ calendarId: ADA, eventId: 'nosuchevent' }));
    expect(missing.response?.data.error).toMatchObject({ code: 404, errors: [{ reason: 'notFound' }] });
    expect(google.calendar.insertCount()).toBe(1);
  });

  it('drops conferenceData without conferenceDataVersion=1, as Google does', async () => {
    const { data } = await calendarAs(ADA).events.insert({ calendarId: ADA, requestBody: { ...times(), conferenceData: meetRequest() } });
    expect(data.conferenceData).toBeUndefined();
    expect(data.hangoutLink).toBeUndefined();
  });

  it('answers 409 duplicate for an id already used, 400 for a non-base32hex id and a missing end', async () => {
    const calendar = calendarAs(ADA);
    await calendar.events.insert({ calendarId: ADA, requestBody: { id: 'abcdef12345', ...times() } });
    const duplicate = await errorOf(calendar.events.insert({ calendarId: ADA, requestBody: { id: 'abcdef12345', ...times() } }));
    expect(duplicate.status).toBe(409);
    expect(duplicate.response?.data.error.errors[0]).toEqual({
      domain: 'global',
      reason: 'duplicate',
      message: 'The requested identifier already exists.',
    });
    const badId = await errorOf(calendar.events.insert({ calendarId: ADA, requestBody: { id: 'Has_Upper-wxyz', ...times() } }));
    expect(badId.response?.data.error).toMatchObject({ code: 400, message: 'Invalid resource id value.' });
    const noEnd = await errorOf(calendar.events.insert({ calendarId: ADA, requestBody: { start: times().start } }));
    expect(noEnd.response?.data.error).toMatchObject({ code: 400, message: 'Missing end time.', errors: [{ reason: 'required' }] });
    expect(google.calendar.insertCount()).toBe(1);
  });

  it('keeps a conference pending for the configured number of polls', async () => {
    google.setConferenceMode({ pendingPolls: 1 });
    const calendar = calendarAs(ADA);
    const { data } = await calendar.events.insert({
      calendarId: ADA,
      conferenceDataVersion: 1,
      requestBody: { id: 'pending00001', ...times(), conferenceData: meetRequest() },
    });
    expect(data.conferenceData?.createRequest?.status?.statusCode).toBe('pending');
    expect(data.conferenceData?.entryPoints).toBeUndefined();
    const poll = async () => (await calendar.events.get({ calendarId: ADA, eventId: 'pending00001' })).data;
    expect((await poll()).conferenceData?.createRequest?.status?.statusCode).toBe('pending');
    const ready = await poll();
    expect(ready.conferenceData?.createRequest?.status?.statusCode).toBe('success');
    expect(ready.hangoutLink).toMatch(/\/meet\/[a-z]{3}-[a-z]{4}-[a-z]{3}$/);
  });

  it('refuses a Meet conference with "Invalid conference type value." when not allowed or not delegated', async () => {
    const request = { calendarId: 'primary', conferenceDataVersion: 1, requestBody: { ...times(), conferenceData: meetRequest() } };
    const asItself = await errorOf(calendarAs(undefined).events.insert(request));
    expect(asItself.response?.data.error).toMatchObject({
      code: 400,
      message: 'Invalid conference type value.',
      errors: [{ reason: 'invalid' }],
    });
    google.setConferenceTypeAllowed(false);
    const refused = await errorOf(calendarAs(ADA).events.insert(request));
    expect(refused.message).toBe('Invalid conference type value.');
    expect(google.calendar.insertCount()).toBe(0);
  });

  it("answers 404 for another user's calendar, 401 without a token and 403 without a Calendar scope", async () => {
    const foreign = await errorOf(calendarAs(ADA).events.insert({ calendarId: 'bob@example.com', requestBody: times() }));
    expect(foreign.status).toBe(404);
    const url = `${google.url}/calendar/v3/calendars/${encodeURIComponent(ADA)}/events/abcdef12345`;
    const anonymous = await fetch(url);
    expect(anonymous.status).toBe(401);
    expect((await anonymous.json()).error).toMatchObject({ status: 'UNAUTHENTICATED', errors: [{ reason: 'required' }] });
    const userToken = google.issueAccessToken({ email: ADA, audience: 'ext.apps.googleusercontent.com' });
    const unscoped = await fetch(url, { headers: { authorization: `Bearer ${userToken}` } });
    expect(unscoped.status).toBe(403);
    expect((await unscoped.json()).error.errors[0].reason).toBe('insufficientPermissions');
  });
});

describe('tokeninfo and the authorize endpoint', () => {
  const tokenInfo = () => new OAuth2Client({ endpoints: { tokenInfoUrl: `${google.url}/tokeninfo` } });

  it("answers getTokenInfo (Bearer header) in Google's shape and refuses unknown or expired tokens", async () => {
    const token = google.issueAccessToken({ email: ADA, audience: 'ext.apps.googleusercontent.com', emailVerified: false });
    const info = await tokenInfo().getTokenInfo(token);
    expect(info).toMatchObject({
      aud: 'ext.apps.googleusercontent.com',
      azp: 'ext.apps.googleusercontent.com',
      email: ADA,
      email_verified: 'false',
    });
    expect(info.scopes).toContain('openid');
    expect(info.expiry_date).toBeGreaterThan(Date.now() + 3_500_000);
    expect(google.requests('tokeninfo')[0]).toMatchObject({ method: 'POST', headers: { authorization: `Bearer ${token}` } });

    const expired = google.issueAccessToken({ email: ADA, audience: 'x', expiresInSec: -1 });
    for (const bad of ['ya29.unknown', expired]) {
      const error = await errorOf(tokenInfo().getTokenInfo(bad));
      expect(error.response?.data).toEqual({ error: 'invalid_token', error_description: 'Invalid Value' });
    }
    expect((await (await fetch(`${google.url}/tokeninfo?access_token=${token}`)).json()).email).toBe(ADA);
  });

  it('redirects the implicit flow to redirect_uri with a token for the signed-in user, or the login_hint', async () => {
    const authorize = async (extra = '') => {
      const response = await fetch(
        `${google.url}/o/oauth2/v2/auth?client_id=ext-client&response_type=token&redirect_uri=${encodeURIComponent('https://abc.chromiumapp.org/cb')}&scope=openid%20email&state=s1${extra}`,
        { redirect: 'manual' },
      );
      expect(response.status).toBe(302);
      const location = new URL(response.headers.get('location')!);
      expect(location.origin + location.pathname).toBe('https://abc.chromiumapp.org/cb');
      return new URLSearchParams(location.hash.slice(1));
    };
    const fragment = await authorize();
    expect(Object.fromEntries(fragment)).toMatchObject({ token_type: 'Bearer', expires_in: '3599', scope: 'openid email', state: 's1' });
    expect(await tokenInfo().getTokenInfo(fragment.get('access_token')!)).toMatchObject({ email: ADA, aud: 'ext-client' });
    const hinted = await authorize('&login_hint=grace%40example.com');
    expect((await tokenInfo().getTokenInfo(hinted.get('access_token')!)).email).toBe('grace@example.com');
  });

  describe('with several accounts in the browser', () => {
    const CARL = 'carl@example.com';
    const query = `client_id=ext-client&response_type=token&redirect_uri=${encodeURIComponent('https://abc.chromiumapp.org/cb')}&scope=openid&state=s2`;
    const authorize = (extra = '') => fetch(`${google.url}/o/oauth2/v2/auth?${query}${extra}`, { redirect: 'manual' });
    const emailOf = async (response: Response) => {
      expect(response.status).toBe(302);
      const fragment = new URLSearchParams(new URL(response.headers.get('location')!).hash.slice(1));
      expect(fragment.get('state')).toBe('s2');
      return (await tokenInfo().getTokenInfo(fragment.get('access_token')!)).email;
    };

    it('offers an account chooser to an interactive sign-in, whose links sign in as the account chosen', async () => {
      google.setSignedInUser([ADA, CARL]);
      const page = await authorize();
      expect(page.status).toBe(200);
      const html = await page.text();
      expect(html).toContain('<h1>Choose an account</h1>');
      expect(html).toContain('to continue to ext-client');
      const links = [...html.matchAll(/<a href="([^"]+)" data-account="([^"]+)"/g)].map(([, href, account]) => ({
        href: href!.replaceAll('&amp;', '&'),
        account,
      }));
      expect(links.map((link) => link.account)).toEqual([ADA, CARL]);
      const carl = links.find((link) => link.account === CARL)!;
      expect(await emailOf(await fetch(`${google.url}${carl.href}`, { redirect: 'manual' }))).toBe(CARL);
      expect(google.requests('authorize').at(-1)?.query).toMatchObject({ client_id: 'ext-client', authuser: CARL });
    });

    it('keeps a silent sign-in (prompt=none) on the first account, and a login_hint on its account, with no page', async () => {
      google.setSignedInUser([ADA, CARL]);
      expect(await emailOf(await authorize('&prompt=none'))).toBe(ADA);
      expect(await emailOf(await authorize(`&login_hint=${encodeURIComponent(CARL)}`))).toBe(CARL);
    });

    it('ignores a chosen account the browser does not have', async () => {
      google.setSignedInUser([ADA, CARL]);
      expect((await authorize('&authuser=mallory%40example.com')).status).toBe(200);
    });

    it('answers interaction_required to a silent sign-in with no account', async () => {
      google.setSignedInUser(undefined);
      const response = await authorize('&prompt=none');
      expect(new URLSearchParams(new URL(response.headers.get('location')!).hash.slice(1)).get('error')).toBe('interaction_required');
    });
  });
});
