import { JWT, OAuth2Client } from 'google-auth-library';
import { Hono } from 'hono';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { calendar_v3, meet_v2 } from '../../backend/google/google-apis.ts';
import { startGoogleEmulator, type GoogleEmulator } from './google-emulator.ts';
import { listen, type Listening } from './listen.ts';
import { createTestServiceAccount } from './service-account.ts';

const ADA = 'ada@example.com';
const PUSHER = 'push@emulated-project.iam.gserviceaccount.com';
const READONLY = 'https://www.googleapis.com/auth/meetings.space.readonly';
const serviceAccount = createTestServiceAccount();

let google: GoogleEmulator;
let endpoint: Listening;
/** What the push endpoint received, and the status it answers next (`answers` is consumed first). */
const received: { authorization: string | undefined; body: any }[] = [];
let answers: number[] = [];

const fetchImplementation: typeof fetch = (input, init) =>
  fetch(
    String(input instanceof Request ? input.url : input) === 'https://oauth2.googleapis.com/token' ? `${google.url}/token` : input,
    init,
  );
const as = (scopes: string[]) =>
  new JWT({
    email: serviceAccount.clientEmail,
    key: serviceAccount.json.private_key,
    scopes,
    subject: ADA,
    transporterOptions: { fetchImplementation },
  });

async function meetingCode() {
  const calendar = new calendar_v3.Calendar({ auth: as(['https://www.googleapis.com/auth/calendar']), rootUrl: `${google.url}/` });
  const { data } = await calendar.events.insert({
    calendarId: ADA,
    conferenceDataVersion: 1,
    requestBody: {
      start: { dateTime: new Date().toISOString() },
      end: { dateTime: new Date(Date.now() + 3_600_000).toISOString() },
      conferenceData: { createRequest: { requestId: `r-${Math.random()}`, conferenceSolutionKey: { type: 'hangoutsMeet' } } },
    },
  });
  return data.conferenceData!.conferenceId!;
}
const decoded = (body: any) => JSON.parse(Buffer.from(body.message.data, 'base64').toString('utf8'));

beforeAll(async () => {
  google = await startGoogleEmulator({ serviceAccounts: [serviceAccount], delegations: { [serviceAccount.clientEmail]: [ADA] } });
  const app = new Hono().post('/push', async (c) => {
    received.push({ authorization: c.req.header('authorization'), body: await c.req.json() });
    return c.body(null, (answers.shift() ?? 204) as 204);
  });
  endpoint = await listen(app.fetch);
});
afterAll(async () => {
  await google.close();
  await endpoint.close();
});
afterEach(() => {
  google.reset();
  received.length = 0;
  answers = [];
});

describe('Pub/Sub push of Meet events', () => {
  it('pushes the four Meet event types as Workspace Events publishes them, with a token google-auth-library verifies', async () => {
    google.pubsub.configure({ endpoint: `${endpoint.url}/push`, serviceAccountEmail: PUSHER });
    const code = await meetingCode();
    const space = google.meet.space(code)!.name;
    google.meet.join(code, { kind: 'anonymous', displayName: 'Grace' });
    google.meet.leave(code, { kind: 'anonymous', displayName: 'Grace' });
    google.meet.join(code, { kind: 'anonymous', displayName: 'Grace' });
    google.meet.endCall(code);
    await google.pubsub.idle();
    const types = received.map((push) => push.body.message.attributes['ce-type']);
    expect(types).toEqual([
      'google.workspace.meet.conference.v2.started',
      'google.workspace.meet.participant.v2.joined',
      'google.workspace.meet.participant.v2.left',
      'google.workspace.meet.participant.v2.joined',
      'google.workspace.meet.participant.v2.left',
      'google.workspace.meet.conference.v2.ended',
    ]);
    const [started, joined, , rejoined] = received.map((push) => push.body);
    expect(started).toMatchObject({
      message: { attributes: { 'ce-subject': `//meet.googleapis.com/${space}`, 'ce-specversion': '1.0' }, messageId: expect.any(String) },
      subscription: expect.stringMatching(/^projects\/[^/]+\/subscriptions\//),
    });
    const record = google.meet.conferenceRecords(code)[0]!.name;
    expect(decoded(started)).toEqual({ conferenceRecord: { name: record } });
    // One participant, two participant sessions (a re-join is a new session).
    expect(decoded(joined).participantSession.name).toMatch(new RegExp(`^${record}/participants/\\d+/participantSessions/s1$`));
    expect(decoded(rejoined).participantSession.name).toMatch(/participantSessions\/s2$/);

    const client = new OAuth2Client({ endpoints: { oauth2FederatedSignonPemCertsUrl: `${google.url}/oauth2/v1/certs` } });
    const ticket = await client.verifyIdToken({
      idToken: received[0]!.authorization!.replace('Bearer ', ''),
      audience: `${endpoint.url}/push`,
    });
    expect(ticket.getPayload()).toMatchObject({ iss: 'https://accounts.google.com', email: PUSHER, email_verified: true });

    // conferenceRecords.get resolves the record's space, as Google's does.
    const meet = new meet_v2.Meet({ auth: as([READONLY]), rootUrl: `${google.url}/` });
    expect((await meet.conferenceRecords.get({ name: record })).data).toMatchObject({ name: record, space });
    await expect(meet.conferenceRecords.get({ name: 'conferenceRecords/nope' })).rejects.toMatchObject({ status: 404 });
  });

  it('retries a push the endpoint refuses, holds messages while down, and can deliver them reversed or twice', async () => {
    google.pubsub.configure({ endpoint: `${endpoint.url}/push`, serviceAccountEmail: PUSHER, audience: 'https://savvy.example/x' });
    const code = await meetingCode();
    answers = [503];
    google.meet.join(code, { kind: 'anonymous', displayName: 'Grace' });
    await google.pubsub.idle();
    expect(google.pubsub.attempts().map((attempt) => [attempt.type.split('.').pop(), attempt.status])).toEqual([
      ['started', 503],
      ['started', 204],
      ['joined', 204],
    ]);

    received.length = 0;
    google.pubsub.setDelivery({ held: true, duplicates: 1 });
    google.meet.leave(code, { kind: 'anonymous', displayName: 'Grace' });
    google.meet.endCall(code);
    expect(received).toHaveLength(0);
    google.pubsub.release('reverse');
    await google.pubsub.idle();
    const order = received.map((push) => push.body.message.attributes['ce-type'].split('.').pop());
    expect(order).toEqual(['ended', 'ended', 'left', 'left']);
    expect(received[0]!.body.message.attributes['ce-id']).toBe(received[1]!.body.message.attributes['ce-id']);
  });
});
