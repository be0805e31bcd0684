import { JWT, OAuth2Client } from 'google-auth-library';
import { calendar_v3 } from '../../backend/google/google-apis.ts';
import { meet_v2 } from '../../backend/google/google-apis.ts';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startGoogleEmulator, type GoogleEmulator } from './google-emulator.ts';
import { createTestServiceAccount } from './service-account.ts';

const AUTH = 'https://www.googleapis.com/auth/';
const CALENDAR = `${AUTH}calendar`;
const READONLY = `${AUTH}meetings.space.readonly`;
const SETTINGS = `${AUTH}meetings.space.settings`;
const CREATED = `${AUTH}meetings.space.created`;
const GOOGLE_TOKEN_URL = 'https://oauth2.googleapis.com/token';
const ADA = 'ada@example.com';
const BOB = 'bob@example.com';
const CARL = 'carl@example.com';
const serviceAccount = createTestServiceAccount();

let google: GoogleEmulator;

const fetchImplementation: typeof fetch = (input, init) =>
  fetch(String(input instanceof Request ? input.url : input) === GOOGLE_TOKEN_URL ? `${google.url}/token` : input, init);
/** A service-account JWT acting as `subject` with these scopes, its token exchange routed to the emulator. */
const jwt = (subject: string | undefined, scopes: string[]) =>
  new JWT({
    email: serviceAccount.clientEmail,
    key: serviceAccount.json.private_key,
    scopes,
    subject,
    transporterOptions: { fetchImplementation },
  });
/** googleapis Meet v2 as the backend builds it. */
const meetAs = (subject: string | undefined, scopes = [READONLY, SETTINGS]) =>
  new meet_v2.Meet({ auth: jwt(subject, scopes), rootUrl: `${google.url}/` });
const calendarAs = (subject: string, scopes = [CALENDAR]) =>
  new calendar_v3.Calendar({ auth: jwt(subject, scopes), rootUrl: `${google.url}/` });

/** Creates an event with a Meet conference as `subject`; its conferenceId is the meeting code. */
async function meetEvent(subject = ADA) {
  const { data } = await calendarAs(subject).events.insert({
    calendarId: subject,
    conferenceDataVersion: 1,
    requestBody: {
      start: { dateTime: new Date().toISOString() },
      end: { dateTime: new Date(Date.now() + 3_600_000).toISOString() },
      conferenceData: { createRequest: { requestId: `r-${Math.random()}`, conferenceSolutionKey: { type: 'hangoutsMeet' } } },
    },
  });
  return { code: data.conferenceData!.conferenceId!, link: data.hangoutLink! };
}

const errorOf = async (promise: Promise<unknown>) => {
  try {
    await promise;
  } catch (error) {
    return error as { status?: number; message: string; response?: { data?: any } };
  }
  throw new Error('expected a rejection');
};
const NOT_FOUND = { error: { code: 404, message: 'Requested entity was not found.', status: 'NOT_FOUND' } };
const NOT_DELEGATED = {
  error: 'unauthorized_client',
  error_description:
    'Client is unauthorized to retrieve access tokens using this method, or client not authorized for any of the scopes requested.',
};

beforeAll(async () => {
  google = await startGoogleEmulator({
    serviceAccounts: [serviceAccount],
    delegations: { [serviceAccount.clientEmail]: [ADA, CARL, { user: BOB, scopes: [CALENDAR] }] },
  });
});
afterAll(() => google.close());
afterEach(() => google.reset());

describe('delegation with granted scopes', () => {
  it('refuses the whole exchange (unauthorized_client) when a requested scope is not granted for the subject', async () => {
    await meetEvent(BOB); // Calendar alone is granted to Bob
    const readonly = await errorOf(meetAs(BOB, [READONLY]).spaces.get({ name: 'spaces/abc-defg-hij' }));
    expect(readonly.status).toBe(401);
    expect(readonly.response?.data).toEqual(NOT_DELEGATED);
    const both = await errorOf(calendarAs(BOB, [CALENDAR, READONLY]).events.list({ calendarId: BOB }));
    expect(both.response?.data).toEqual(NOT_DELEGATED);
    expect(google.requests('spaces.get')).toHaveLength(0);

    google.setDelegation(BOB, [CALENDAR, READONLY]);
    const bobs = await meetEvent(BOB);
    expect((await meetAs(BOB, [READONLY]).spaces.get({ name: `spaces/${bobs.code}` })).data.meetingCode).toBe(bobs.code);
    google.setDelegation(BOB, null);
    expect((await errorOf(calendarAs(BOB).events.list({ calendarId: BOB }))).response?.data).toEqual(NOT_DELEGATED);
  });

  it('issues a token that remembers its subject and scopes; tokeninfo answers a stable sub per email', async () => {
    const auth = jwt(ADA, [READONLY, SETTINGS]);
    const { token } = await auth.getAccessToken();
    const info = await new OAuth2Client({ endpoints: { tokenInfoUrl: `${google.url}/tokeninfo` } }).getTokenInfo(token!);
    expect(info).toMatchObject({ email: ADA, sub: google.googleAccountIdFor(ADA), scopes: [READONLY, SETTINGS] });
    expect(google.googleAccountIdFor('ADA@example.com')).toBe(google.googleAccountIdFor(ADA));
    expect(google.googleAccountIdFor(ADA)).toMatch(/^\d{21}$/);
    expect(google.googleAccountIdFor(CARL)).not.toBe(google.googleAccountIdFor(ADA));
  });
});

describe('Meet v2 spaces', () => {
  it("gets the space of an event's Meet conference by meeting code or by name, with a stable id and TRUSTED access", async () => {
    const { code, link } = await meetEvent();
    const meet = meetAs(ADA, [READONLY]);
    const { data: byCode } = await meet.spaces.get({ name: `spaces/${code}` });
    expect(byCode).toEqual({
      name: expect.stringMatching(/^spaces\/[A-Za-z0-9]{12}$/),
      meetingUri: link,
      meetingCode: code,
      config: { accessType: 'TRUSTED', entryPointAccess: 'ALL' },
    });
    expect(byCode.name).not.toBe(`spaces/${code}`);
    const { data: byName } = await meet.spaces.get({ name: byCode.name! });
    expect(byName).toEqual(byCode);
    expect((await meet.spaces.get({ name: `spaces/${code.toUpperCase()}` })).data.name).toBe(byCode.name);
    expect(google.requests('spaces.get').map((request) => request.path)).toEqual([
      `/v2/spaces/${code}`,
      `/v2/${byCode.name}`,
      `/v2/spaces/${code.toUpperCase()}`,
    ]);
    expect(google.meet.space(code)).toMatchObject({ ...byCode, owner: ADA });
    expect(google.meet.space(link)?.name).toBe(byCode.name);
  });

  it('patches config.accessType with the settings scope, and refuses a meeting code, a bad mask or access type', async () => {
    const { code } = await meetEvent();
    const meet = meetAs(ADA, [SETTINGS]);
    const name = google.meet.space(code)!.name;
    const { data } = await meet.spaces.patch({ name, updateMask: 'config.accessType', requestBody: { config: { accessType: 'OPEN' } } });
    expect(data).toMatchObject({ name, meetingCode: code, config: { accessType: 'OPEN', entryPointAccess: 'ALL' } });
    expect(google.meet.space(code)?.config.accessType).toBe('OPEN');
    expect(google.requests('spaces.patch')[0]).toMatchObject({
      method: 'PATCH',
      path: `/v2/${name}`,
      query: { updateMask: 'config.accessType' },
      body: { config: { accessType: 'OPEN' } },
    });

    const byCode = await errorOf(
      meet.spaces.patch({ name: `spaces/${code}`, updateMask: 'config.accessType', requestBody: { config: { accessType: 'RESTRICTED' } } }),
    );
    expect(byCode.status).toBe(400);
    expect(byCode.response?.data.error).toMatchObject({ code: 400, status: 'INVALID_ARGUMENT' });
    const badMask = await errorOf(
      meet.spaces.patch({ name, updateMask: 'meetingCode', requestBody: { config: { accessType: 'RESTRICTED' } } }),
    );
    expect(badMask.response?.data.error).toMatchObject({ code: 400, status: 'INVALID_ARGUMENT' });
    const badType = await errorOf(
      meet.spaces.patch({ name, updateMask: 'config.accessType', requestBody: { config: { accessType: 'PUBLIC' as 'OPEN' } } }),
    );
    expect(badType.response?.data.error).toMatchObject({ code: 400, status: 'INVALID_ARGUMENT' });
    expect(badType.message).toContain('"PUBLIC"');
    expect(google.meet.space(code)?.config.accessType).toBe('OPEN');

    // Without updateMask Google updates the fields the request gives.
    await meet.spaces.patch({ name, requestBody: { config: { accessType: 'RESTRICTED' } } });
    expect(google.meet.space(code)?.config.accessType).toBe('RESTRICTED');
  });

  it('answers 403 PERMISSION_DENIED without a Meet scope the method accepts, and 404 for an unknown space', async () => {
    const { code } = await meetEvent();
    const name = google.meet.space(code)!.name;
    const insufficient = { code: 403, message: 'Request had insufficient authentication scopes.', status: 'PERMISSION_DENIED' };

    const calendarOnly = await errorOf(meetAs(ADA, [CALENDAR]).spaces.get({ name }));
    expect(calendarOnly.status).toBe(403);
    expect(calendarOnly.response?.data.error).toMatchObject({
      ...insufficient,
      details: [{ reason: 'ACCESS_TOKEN_SCOPE_INSUFFICIENT', metadata: { service: 'meet.googleapis.com' } }],
    });
    const readonlyPatch = await errorOf(
      meetAs(ADA, [READONLY]).spaces.patch({ name, updateMask: 'config.accessType', requestBody: { config: { accessType: 'OPEN' } } }),
    );
    expect(readonlyPatch.response?.data.error).toMatchObject(insufficient);
    // conferenceRecords accept readonly (or created), not settings — as Google's reference lists them.
    const settingsList = await errorOf(meetAs(ADA, [SETTINGS]).conferenceRecords.list({ filter: `space.name = "${name}"` }));
    expect(settingsList.response?.data.error).toMatchObject(insufficient);
    // meetings.space.created reaches only spaces the app created with spaces.create; a Calendar space is not one.
    const createdOnly = await errorOf(meetAs(ADA, [CREATED]).spaces.get({ name }));
    expect(createdOnly.response?.data.error).toMatchObject({ code: 403, status: 'PERMISSION_DENIED' });
    expect(google.meet.space(code)?.config.accessType).toBe('TRUSTED');

    for (const missing of ['spaces/abc-defg-hij', 'spaces/NoSuchSpace12']) {
      const error = await errorOf(meetAs(ADA).spaces.get({ name: missing }));
      expect(error.status).toBe(404);
      expect(error.response?.data).toEqual(NOT_FOUND);
    }
    const patchMissing = await errorOf(
      meetAs(ADA).spaces.patch({
        name: 'spaces/NoSuchSpace12',
        updateMask: 'config.accessType',
        requestBody: { config: { accessType: 'OPEN' } },
      }),
    );
    expect(patchMissing.response?.data).toEqual(NOT_FOUND);
  });

  it("shows another user a space's link but not its settings, and refuses them the patch; a service account as itself gets 403", async () => {
    const { code, link } = await meetEvent(ADA);
    const name = google.meet.space(code)!.name;
    const { data } = await meetAs(CARL).spaces.get({ name: `spaces/${code}` });
    expect(data).toEqual({ name, meetingUri: link, meetingCode: code });
    const patch = await errorOf(
      meetAs(CARL).spaces.patch({ name, updateMask: 'config.accessType', requestBody: { config: { accessType: 'OPEN' } } }),
    );
    expect(patch.status).toBe(403);
    expect(patch.response?.data.error).toMatchObject({ code: 403, status: 'PERMISSION_DENIED' });
    const itself = await errorOf(meetAs(undefined).spaces.get({ name }));
    expect(itself.response?.data.error).toMatchObject({ code: 403, status: 'PERMISSION_DENIED' });
    expect(google.meet.space(code)?.config.accessType).toBe('TRUSTED');
  });

  it('creates the space only once a pending conference is ready', async () => {
    google.setConferenceMode({ pendingPolls: 1 });
    const calendar = calendarAs(ADA);
    const { data } = await calendar.events.insert({
      calendarId: ADA,
      conferenceDataVersion: 1,
      requestBody: {
        id: 'pendingspace1',
        start: { dateTime: new Date().toISOString() },
        end: { dateTime: new Date(Date.now() + 60_000).toISOString() },
        conferenceData: { createRequest: { requestId: 'p1', conferenceSolutionKey: { type: 'hangoutsMeet' } } },
      },
    });
    expect(data.conferenceData?.conferenceId).toBeUndefined();
    expect(google.meet.spaces()).toHaveLength(0);
    await calendar.events.get({ calendarId: ADA, eventId: 'pendingspace1' });
    const { data: ready } = await calendar.events.get({ calendarId: ADA, eventId: 'pendingspace1' });
    expect(google.meet.spaces()).toEqual([expect.objectContaining({ meetingCode: ready.conferenceData?.conferenceId, owner: ADA })]);
  });
});

describe('Meet v2 conference records and participants', () => {
  it('lists the records of a space and their participants as people join, leave and the call ends', async () => {
    const { code } = await meetEvent();
    const name = google.meet.space(code)!.name;
    const meet = meetAs(ADA, [READONLY]);
    const active = `space.name = "${name}" AND end_time IS NULL`;
    expect((await meet.conferenceRecords.list({ filter: `space.name = "${name}"` })).data).toEqual({});
    expect(google.requests('conferenceRecords.list')[0]?.query.filter).toBe(`space.name = "${name}"`);

    const t0 = new Date(Date.now() - 10 * 60_000);
    const at = (minutes: number) => new Date(t0.getTime() + minutes * 60_000);
    const carlId = google.googleAccountIdFor(CARL);
    const joined = google.meet.join(code, { kind: 'signedin', userId: carlId, displayName: 'Carl' }, t0);
    google.meet.join(code, { kind: 'anonymous', displayName: 'Customer' }, at(1));
    google.meet.join(code, { kind: 'phone', displayName: '+1 555-***-**12' }, at(2));

    const { data: records } = await meet.conferenceRecords.list({ filter: active });
    expect(records).toEqual({ conferenceRecords: [{ name: joined.conferenceRecord.name, startTime: t0.toISOString(), space: name }] });
    const parent = records.conferenceRecords![0]!.name!;
    const { data: people } = await meet.conferenceRecords.participants.list({ parent });
    expect(people.totalSize).toBeUndefined(); // only through `fields`, as Google does
    expect(people.participants).toEqual([
      {
        name: expect.stringMatching(new RegExp(`^${parent}/participants/\\d+$`)),
        earliestStartTime: at(2).toISOString(),
        phoneUser: { displayName: '+1 555-***-**12' },
      },
      { name: expect.any(String), earliestStartTime: at(1).toISOString(), anonymousUser: { displayName: 'Customer' } },
      {
        name: joined.participant.name,
        earliestStartTime: t0.toISOString(),
        signedinUser: { user: `users/${carlId}`, displayName: 'Carl' },
      },
    ]);
    expect(google.requests('participants.list')[0]?.path).toBe(`/v2/${parent}/participants`);

    google.meet.leave(code, { kind: 'anonymous', displayName: 'Customer' }, at(3));
    const customer = async () =>
      (await meet.conferenceRecords.participants.list({ parent })).data.participants!.find((p) => p.anonymousUser);
    expect(await customer()).toMatchObject({ earliestStartTime: at(1).toISOString(), latestEndTime: at(3).toISOString() });
    google.meet.join(code, { kind: 'anonymous', displayName: 'Customer' }, at(4));
    const rejoined = await customer();
    expect(rejoined).toMatchObject({ earliestStartTime: at(1).toISOString() });
    expect(rejoined?.latestEndTime).toBeUndefined();
    const stillIn = await meet.conferenceRecords.participants.list({
      parent,
      filter: 'latest_end_time IS NULL',
      pageSize: 2,
      fields: 'participants,nextPageToken,totalSize',
    });
    expect(stillIn.data).toMatchObject({ totalSize: 3, nextPageToken: expect.any(String) });
    expect(stillIn.data.participants).toHaveLength(2);
    const rest = await meet.conferenceRecords.participants.list({ parent, pageSize: 2, pageToken: stillIn.data.nextPageToken! });
    expect(rest.data.participants).toHaveLength(1);
    expect(rest.data.nextPageToken).toBeUndefined();

    google.meet.leave(code, { kind: 'phone', displayName: '+1 555-***-**12' }, at(5));
    const ended = google.meet.endCall(code, at(6));
    expect(ended).toMatchObject({ name: parent, endTime: at(6).toISOString() });
    expect((await meet.conferenceRecords.list({ filter: active })).data).toEqual({});
    const { data: past } = await meet.conferenceRecords.list({ filter: `space.meeting_code = "${code}"` });
    expect(past.conferenceRecords).toEqual([expect.objectContaining({ name: parent, endTime: at(6).toISOString(), space: name })]);
    const { data: after } = await meet.conferenceRecords.participants.list({ parent });
    expect(Object.fromEntries(after.participants!.map((p) => [p.earliestStartTime, p.latestEndTime]))).toEqual({
      [t0.toISOString()]: at(6).toISOString(),
      [at(1).toISOString()]: at(6).toISOString(),
      [at(2).toISOString()]: at(5).toISOString(),
    });

    // A new join starts a new conference record in the same space.
    const second = google.meet.join(code, { kind: 'signedin', email: CARL, displayName: 'Carl' });
    expect(second.conferenceRecord.name).not.toBe(parent);
    expect(second.participant.signedinUser?.user).toBe(`users/${carlId}`);
    expect((await meet.conferenceRecords.list({ filter: active })).data.conferenceRecords).toHaveLength(1);
    expect((await meet.spaces.get({ name })).data.activeConference).toEqual({ conferenceRecord: second.conferenceRecord.name });
  });

  it("hides another owner's records, answers 404 for an unknown record and 400 for a filter it does not understand", async () => {
    const { code } = await meetEvent(ADA);
    const { conferenceRecord } = google.meet.join(code, { kind: 'anonymous', displayName: 'Guest' });
    const bobMeet = meetAs(CARL, [READONLY]);
    expect((await bobMeet.conferenceRecords.list({})).data).toEqual({});
    const foreign = await errorOf(bobMeet.conferenceRecords.participants.list({ parent: conferenceRecord.name }));
    expect(foreign.response?.data.error).toMatchObject({ code: 403, status: 'PERMISSION_DENIED' });
    const missing = await errorOf(bobMeet.conferenceRecords.participants.list({ parent: 'conferenceRecords/nope' }));
    expect(missing.response?.data).toEqual(NOT_FOUND);
    const badFilter = await errorOf(meetAs(ADA).conferenceRecords.list({ filter: 'space.owner = "x"' }));
    expect(badFilter.response?.data.error).toMatchObject({ code: 400, status: 'INVALID_ARGUMENT' });
  });
});

describe('faults, recording and controls for other processes', () => {
  it('applies faults per Meet route with Google-style bodies', async () => {
    const { code } = await meetEvent();
    const name = google.meet.space(code)!.name;
    google.faults.set('spaces.get', { status: 503, times: 1 });
    // googleapis retries a 503 on GET by itself.
    expect((await meetAs(ADA).spaces.get({ name })).data.name).toBe(name);
    expect(google.requests('spaces.get')).toHaveLength(2);

    google.faults.set('spaces.patch', { status: 403 });
    const patch = await errorOf(
      meetAs(ADA).spaces.patch({ name, updateMask: 'config.accessType', requestBody: { config: { accessType: 'OPEN' } } }),
    );
    expect(patch.response?.data).toEqual({
      error: { code: 403, message: 'The caller does not have permission', status: 'PERMISSION_DENIED' },
    });

    google.faults.set('conferenceRecords.list', { status: 429 });
    const listed = await errorOf(meetAs(ADA).conferenceRecords.list({}, { retry: false }));
    expect(listed.response?.data.error).toMatchObject({ code: 429, status: 'RESOURCE_EXHAUSTED' });

    google.faults.set('participants.list', { status: 500, body: { error: { code: 500, message: 'custom' } } });
    const people = await errorOf(meetAs(ADA).conferenceRecords.participants.list({ parent: 'conferenceRecords/x' }, { retry: false }));
    expect(people.response?.data).toEqual({ error: { code: 500, message: 'custom' } });

    expect(google.requests('spaces.patch')).toHaveLength(1);
    expect(google.requests('participants.list')).toHaveLength(1);
    expect(() => google.faults.set('spaces.delete' as never, { status: 500 })).toThrow(/Unknown route/);
  });

  it('serves the Meet, delegation and account-id controls over HTTP', async () => {
    const { code } = await meetEvent();
    const post = (path: string, body: unknown) =>
      fetch(`${google.url}/__emulator/${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });

    const space = await (await post('meet/space', { meetingCode: code })).json();
    expect(space).toMatchObject({ meetingCode: code, config: { accessType: 'TRUSTED' }, owner: ADA });
    expect((await post('meet/space', { meetingCode: 'abc-defg-hij' })).status).toBe(404);

    const { id } = await (await fetch(`${google.url}/__emulator/google-account-id?email=${encodeURIComponent(CARL)}`)).json();
    expect(id).toBe(google.googleAccountIdFor(CARL));
    expect((await post('meet/join', { meetingCode: code, participant: { displayName: 'No kind' } })).status).toBe(400);
    const at = '2030-01-01T10:00:00.000Z';
    const joined = await (
      await post('meet/join', { meetingCode: code, participant: { kind: 'signedin', userId: id, displayName: 'Carl' }, at })
    ).json();
    expect(joined.participant).toMatchObject({ earliestStartTime: at, signedinUser: { user: `users/${id}` } });
    const left = await (
      await post('meet/leave', { meetingCode: space.name, participant: joined.participant.name, at: '2030-01-01T10:05:00.000Z' })
    ).json();
    expect(left.latestEndTime).toBe('2030-01-01T10:05:00.000Z');
    const ended = await (await post('meet/end-call', { meetingCode: code, at: '2030-01-01T10:06:00.000Z' })).json();
    expect(ended).toMatchObject({ endTime: '2030-01-01T10:06:00.000Z', space: space.name });
    expect((await post('meet/end-call', { meetingCode: code })).status).toBe(404);
    expect(google.meet.participants(ended.name)).toEqual([expect.objectContaining({ latestEndTime: '2030-01-01T10:05:00.000Z' })]);

    expect((await post('delegations', { user: BOB, scopes: [CALENDAR, READONLY] })).status).toBe(204);
    await meetEvent(BOB);
    expect((await meetAs(BOB, [READONLY]).conferenceRecords.list({})).data).toEqual({});
    google.reset();
    expect((await errorOf(meetAs(BOB, [READONLY]).conferenceRecords.list({}))).response?.data).toEqual(NOT_DELEGATED);
  });
});
