import { JWT, OAuth2Client } from 'google-auth-library';
import { Hono } from 'hono';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { calendar_v3, meet_v2, workspaceevents_v1 } from '../../backend/google/google-apis.ts';
import { startGoogleEmulator, type GoogleEmulator } from './google-emulator.ts';
import { insertMeetEvent } from '../support/meet-event.ts';
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
  return insertMeetEvent(calendar, ADA);
}
const TOPIC = 'projects/emulated-project/topics/meet-events';
const MEET_EVENT_TYPES = [
  'google.workspace.meet.conference.v2.started',
  'google.workspace.meet.conference.v2.ended',
  'google.workspace.meet.participant.v2.joined',
  'google.workspace.meet.participant.v2.left',
];
const events = () => new workspaceevents_v1.Workspaceevents({ auth: as([READONLY]), rootUrl: `${google.url}/` });
/** Subscribes the topic to the space's Meet events, as the backend does; the create operation's data. */
async function subscribe(code: string, body: Partial<workspaceevents_v1.Schema$Subscription> = {}) {
  const targetResource = `//meet.googleapis.com/${google.meet.space(code)!.name}`;
  return (
    await events().subscriptions.create({
      requestBody: { targetResource, eventTypes: MEET_EVENT_TYPES, notificationEndpoint: { pubsubTopic: TOPIC }, ...body },
    })
  ).data;
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
    const operation = await subscribe(code);
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
      message: {
        attributes: {
          'ce-subject': `//meet.googleapis.com/${space}`,
          'ce-source': `//workspaceevents.googleapis.com/${(operation.response as { name: string }).name}`,
          'ce-specversion': '1.0',
        },
        messageId: expect.any(String),
      },
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
    await subscribe(code);
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

describe('Workspace Events subscriptions', () => {
  it('publishes nothing for a space without a subscription', async () => {
    google.pubsub.configure({ endpoint: `${endpoint.url}/push`, serviceAccountEmail: PUSHER });
    const code = await meetingCode();
    google.meet.join(code, { kind: 'anonymous', displayName: 'Grace' });
    await google.pubsub.idle();
    expect(received).toHaveLength(0);
  });

  it('answers create with a long-running operation, refuses what Google refuses, and 409 for a second subscription', async () => {
    const code = await meetingCode();
    google.workspaceEvents.setPendingOperations(1);
    const pending = await subscribe(code);
    expect(pending).toMatchObject({ name: expect.stringMatching(/^operations\//), done: false });
    expect(pending.response).toBeUndefined();
    const { data: done } = await events().operations.get({ name: pending.name! });
    expect(done).toMatchObject({
      done: true,
      response: {
        '@type': 'type.googleapis.com/google.apps.events.subscriptions.v1.Subscription',
        state: 'ACTIVE',
        expireTime: expect.any(String),
      },
    });
    const conflict = await subscribe(code).catch((error) => error);
    expect(conflict.status).toBe(409);
    const { data: listed } = await events().subscriptions.list({ filter: `event_types:"${MEET_EVENT_TYPES[0]}"` });
    expect(listed.subscriptions).toHaveLength(1);
    expect(
      (
        await events()
          .subscriptions.list({})
          .catch((error) => error)
      ).status,
    ).toBe(400);
    expect((await subscribe(code, { notificationEndpoint: { pubsubTopic: 'meet-events' } }).catch((error) => error)).status).toBe(400);
    expect((await subscribe(code, { eventTypes: ['google.workspace.chat.message.v1.created'] }).catch((error) => error)).status).toBe(400);
    const noScope = new workspaceevents_v1.Workspaceevents({
      auth: as(['https://www.googleapis.com/auth/calendar']),
      rootUrl: `${google.url}/`,
    });
    const refused = await noScope.subscriptions
      .create({
        requestBody: {
          targetResource: `//meet.googleapis.com/${google.meet.space(code)!.name}`,
          eventTypes: MEET_EVENT_TYPES,
          notificationEndpoint: { pubsubTopic: TOPIC },
        },
      })
      .catch((error) => error);
    expect(refused.status).toBe(403);
  });
});
