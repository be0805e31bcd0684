import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startEmulators, type Emulators } from '../../test/emulators/index.ts';
import { createDelegatedAuth } from '../google/delegated-auth.ts';
import { calendar_v3, workspaceevents_v1 } from '../google/google-apis.ts';
import { createKeySigner } from '../google/jwt-signers.ts';
import { CALENDAR_SCOPES, MEET_SPACE_SCOPES } from '../google/scopes.ts';
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

  it('renews for the longest Google allows (patch of ttl 0s), and Google refuses a ttl past it', async () => {
    const target = await adaSpaceTarget();
    const made = await events().subscribe(ADA, target);
    if ('operation' in made) throw new Error('not made');
    const sub = () => emulators.google.workspaceEvents.subscriptions()[0]!;
    const before = Date.parse(sub().expireTime);
    emulators.google.workspaceEvents.setPendingOperations(1);
    const renewed = await events().renew(ADA, made.name);
    expect(renewed).toEqual({ name: made.name, expireTime: new Date(sub().expireTime), active: true });
    expect(Date.parse(sub().expireTime)).toBeGreaterThan(before);
    expect(emulators.google.requests('subscriptions.patch').at(-1)).toMatchObject({ query: { updateMask: 'ttl' }, body: { ttl: '0s' } });

    const client = new workspaceevents_v1.Workspaceevents({
      auth: delegated().forSubject(ADA, MEET_SPACE_SCOPES),
      rootUrl: `${emulators.google.url}/`,
    });
    await expect(
      client.subscriptions.patch({ name: made.name, updateMask: 'ttl', requestBody: { ttl: `${8 * 24 * 3600}s` } }),
    ).rejects.toMatchObject({ status: 400 });
    await expect(client.subscriptions.patch({ name: made.name, updateMask: 'targetResource', requestBody: {} })).rejects.toMatchObject({
      status: 400,
    });
    emulators.google.workspaceEvents.expire(made.name);
    await expect(events().renew(ADA, made.name)).rejects.toMatchObject({ status: 404 });
  });

  it('reactivates a suspended subscription only once its cause is fixed, keeping its expireTime', async () => {
    const target = await adaSpaceTarget();
    const made = await events().subscribe(ADA, target);
    if ('operation' in made) throw new Error('not made');
    await expect(events().reactivate(ADA, made.name)).rejects.toMatchObject({ status: 400 }); // not suspended
    emulators.google.workspaceEvents.suspend(made.name, 'USER_SCOPE_REVOKED');
    await expect(events().reactivate(ADA, made.name)).rejects.toMatchObject({
      status: 400,
      response: { data: { error: { status: 'FAILED_PRECONDITION' } } },
    });
    emulators.google.workspaceEvents.resolveSuspension(made.name);
    expect(await events().reactivate(ADA, made.name)).toEqual({ ...made, active: true });
    expect(emulators.google.workspaceEvents.subscriptions()[0]).toMatchObject({ state: 'ACTIVE' });
  });

  it("gives Google's suspensionReason for a topic its Meet publisher cannot reach, and reactivates once it is fixed", async () => {
    emulators.google.workspaceEvents.setTopic(TOPIC, 'ENDPOINT_PERMISSION_DENIED');
    const made = await events().subscribe(ADA, await adaSpaceTarget());
    if ('operation' in made) throw new Error('not made');
    expect(made).toMatchObject({ active: false, suspensionReason: 'ENDPOINT_PERMISSION_DENIED' });
    await expect(events().reactivate(ADA, made.name)).rejects.toMatchObject({ status: 400 });
    emulators.google.workspaceEvents.setTopic(TOPIC, undefined);
    expect(await events().reactivate(ADA, made.name)).toEqual({ name: made.name, expireTime: made.expireTime, active: true });

    // A topic that breaks later suspends the live subscriptions on it.
    emulators.google.workspaceEvents.setTopic(TOPIC, 'ENDPOINT_NOT_FOUND');
    expect(emulators.google.workspaceEvents.subscriptions()[0]).toMatchObject({
      state: 'SUSPENDED',
      suspensionReason: 'ENDPOINT_NOT_FOUND',
    });
  });

  it('deletes a subscription, finds a pending one by its target, and takes "already gone" as deleted', async () => {
    const target = await adaSpaceTarget();
    const made = await events().subscribe(ADA, target);
    if ('operation' in made) throw new Error('not made');
    await events().unsubscribe(ADA, made.name, target);
    expect(emulators.google.workspaceEvents.subscriptions()).toEqual([]);
    await events().unsubscribe(ADA, made.name, target); // 404: already gone
    await events().unsubscribe(ADA, null, target); // none listed

    emulators.google.workspaceEvents.setPendingOperations(1);
    expect(await events({ times: 0, delayMs: 0 }).subscribe(ADA, target)).toHaveProperty('operation');
    await events().unsubscribe(ADA, null, target);
    expect(emulators.google.workspaceEvents.subscriptions()).toEqual([]);
    expect(emulators.google.requests('subscriptions.delete')).toHaveLength(3);
  });

  it("renews, reactivates and deletes only as the subscription's own user (another's is not found)", async () => {
    const target = await adaSpaceTarget();
    const made = await events().subscribe(ADA, target);
    if ('operation' in made) throw new Error('not made');
    emulators.google.setDelegation('bob@example.com', 'all');
    await expect(events().renew('bob@example.com', made.name)).rejects.toMatchObject({ status: 404 });
    await expect(events().reactivate('bob@example.com', made.name)).rejects.toMatchObject({ status: 404 });
    await events().unsubscribe('bob@example.com', made.name, target);
    expect(emulators.google.workspaceEvents.subscriptions()).toHaveLength(1);
  });
});
