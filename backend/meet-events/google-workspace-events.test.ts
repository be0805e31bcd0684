import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startEmulators, type Emulators } from '../../test/emulators/index.ts';
import { createDelegatedAuth } from '../google/delegated-auth.ts';
import { calendar_v3 } from '../google/google-apis.ts';
import { createKeySigner } from '../google/jwt-signers.ts';
import { CALENDAR_SCOPES } from '../google/scopes.ts';
import { insertMeetEvent } from '../../test/support/meet-event.ts';
import { createGoogleWorkspaceEvents } from './google-workspace-events.ts';

// The adapter with the real googleapis client against the Google emulator's Workspace Events API.
const ADA = 'ada@example.com';
const TOPIC = 'projects/emulated-project/topics/meet-events';
let emulators: Emulators;

beforeAll(async () => {
  emulators = await startEmulators({ delegatedUsers: [ADA] });
});
afterAll(async () => emulators?.close());
beforeEach(() => emulators.reset());

const delegated = () =>
  createDelegatedAuth({ signer: createKeySigner(emulators.serviceAccount.json), oauthUrl: emulators.google.url, timeoutMs: 5_000 });
const events = (operationPolls = { times: 3, delayMs: 10 }) =>
  createGoogleWorkspaceEvents({ delegated: delegated(), url: emulators.google.url, topic: TOPIC, operationPolls });

/** A Meet space of Ada's (made by a Calendar event with a conference), as its target resource. */
async function adaSpaceTarget() {
  const calendar = new calendar_v3.Calendar({ auth: delegated().forSubject(ADA, CALENDAR_SCOPES), rootUrl: `${emulators.google.url}/` });
  const code = await insertMeetEvent(calendar, ADA);
  return `//meet.googleapis.com/${emulators.google.meet.space(code)!.name}`;
}

describe('createGoogleWorkspaceEvents', () => {
  it('subscribes the topic to the four Meet event types of a space, and gives the subscription with its expireTime', async () => {
    const target = await adaSpaceTarget();
    const result = await events().subscribe(ADA, target);
    const [stored] = emulators.google.workspaceEvents.subscriptions();
    expect(result).toEqual({ name: stored!.name, expireTime: new Date(stored!.expireTime), active: true });
    expect(stored).toMatchObject({
      targetResource: target,
      notificationEndpoint: { pubsubTopic: TOPIC },
      payloadOptions: { includeResource: false },
    });
    expect(stored!.eventTypes).toHaveLength(4);
  });

  it('waits for an operation that is not done yet, or says which one it left pending', async () => {
    const target = await adaSpaceTarget();
    emulators.google.workspaceEvents.setPendingOperations(1);
    expect(await events().subscribe(ADA, target)).toMatchObject({ name: expect.stringMatching(/^subscriptions\//) });
    expect(emulators.google.requests('operations.get')).toHaveLength(1);

    const other = await adaSpaceTarget();
    emulators.google.workspaceEvents.setPendingOperations(1);
    expect(await events({ times: 0, delayMs: 0 }).subscribe(ADA, other)).toEqual({ operation: expect.stringMatching(/^operations\//) });
  });

  it('adopts the subscription Google says already exists (409 ALREADY_EXISTS), found with subscriptions.list', async () => {
    const target = await adaSpaceTarget();
    const first = await events().subscribe(ADA, target);
    const again = await events().subscribe(ADA, target);
    expect(again).toEqual(first);
    expect(emulators.google.requests('subscriptions.list')).toHaveLength(1);
    expect(emulators.google.workspaceEvents.subscriptions()).toHaveLength(1);
  });

  it('throws what Google refuses (a Workspace Events outage) so the caller can store it', async () => {
    const target = await adaSpaceTarget();
    emulators.google.faults.set('subscriptions.create', { status: 503 });
    await expect(events().subscribe(ADA, target)).rejects.toMatchObject({ status: 503 });
  });
});
