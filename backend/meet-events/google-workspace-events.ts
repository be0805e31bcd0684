import type { DelegatedAuth } from '../google/delegated-auth.ts';
import { workspaceevents_v1 } from '../google/google-apis.ts';
import { MEET_SPACE_SCOPES } from '../google/scopes.ts';
import { MEET_EVENT_TYPES } from './push-envelope.ts';

/**
 * A subscription Google has made (or we adopted, `active` unless Google suspended it, then with Google's
 * `suspensionReason`, e.g. `ENDPOINT_PERMISSION_DENIED`), or the operation still making it.
 */
export type SubscriptionResult =
  { name: string; expireTime: Date | null; active: boolean; suspensionReason?: string } | { operation: string };

/** The Workspace Events API v1 calls attendance needs, acting as the solver (delegation subject). */
export type WorkspaceEvents = {
  /**
   * Subscribes the Pub/Sub topic to the four Meet event types of `targetResource`
   * (`//meet.googleapis.com/spaces/{id}`). A subscription Google says already exists (409 ALREADY_EXISTS) is found
   * with `subscriptions.list` and adopted. @throws the googleapis error (GaxiosError) when Google refuses
   */
  subscribe(subject: string, targetResource: string): Promise<SubscriptionResult>;
  /**
   * Renews `subscriptions/{id}` for the longest Google allows (`subscriptions.patch`, `updateMask=ttl`, ttl `0s`: 7
   * days for Meet events without resource data). @throws the googleapis error (404: expired or deleted)
   */
  renew(subject: string, name: string): Promise<SubscriptionResult>;
  /**
   * `subscriptions.reactivate` of a SUSPENDED subscription (it keeps its `expireTime`). @throws the googleapis error:
   * 400 FAILED_PRECONDITION while the suspension's cause is not fixed, 404 once expired or deleted
   */
  reactivate(subject: string, name: string): Promise<SubscriptionResult>;
  /**
   * `subscriptions.delete`, or, with no name (its create was left pending), the target's subscription found with
   * `subscriptions.list`. Already gone (404, or none listed) counts as deleted. @throws the googleapis error otherwise
   */
  unsubscribe(subject: string, name: string | null, targetResource: string): Promise<void>;
};

export type WorkspaceEventsOptions = {
  delegated: DelegatedAuth;
  /** GOOGLE_WORKSPACE_EVENTS_URL. */
  url: string;
  /** MEET_EVENTS_TOPIC. */
  topic: string;
  timeoutMs?: number;
  /** How often (and how long apart) an operation that is not done yet is asked again before it is left pending. */
  operationPolls?: { times: number; delayMs: number };
};

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** The HTTP status of a googleapis (Gaxios) error, if it has one. */
export const statusOf = (error: unknown): number | undefined =>
  (error as { status?: number; response?: { status?: number } }).response?.status ?? (error as { status?: number }).status;

/**
 * Workspace Events API v1 through googleapis (`subscriptions.create` / `.patch` / `.reactivate` / `.delete`,
 * `operations.get`, `subscriptions.list`),
 * with the solver's Meet token: `meetings.space.readonly` is the scope Meet events need; the token also carries
 * `meetings.space.settings`, so it is the one the Meet calls already cached.
 */
export function createGoogleWorkspaceEvents(options: WorkspaceEventsOptions): WorkspaceEvents {
  const request = { timeout: options.timeoutMs ?? 4_000, retry: false };
  const polls = options.operationPolls ?? { times: 3, delayMs: 250 };
  const clientFor = (subject: string) =>
    new workspaceevents_v1.Workspaceevents({ auth: options.delegated.forSubject(subject, MEET_SPACE_SCOPES), rootUrl: `${options.url}/` });
  const subscriptionOf = (data: workspaceevents_v1.Schema$Subscription) => ({
    name: data.name ?? '',
    expireTime: data.expireTime ? new Date(data.expireTime) : null,
    /** An adopted subscription may be SUSPENDED; a created one answers ACTIVE. */
    active: (data.state ?? 'ACTIVE') === 'ACTIVE',
    ...(data.suspensionReason ? { suspensionReason: data.suspensionReason } : {}),
  });

  type Client = ReturnType<typeof clientFor>;
  /** The target's live subscription, found with `subscriptions.list` and its filter. */
  const find = async (client: Client, targetResource: string) =>
    (await client.subscriptions.list({ filter: `event_types:"${MEET_EVENT_TYPES[0]}" AND target_resource="${targetResource}"` }, request))
      .data.subscriptions?.[0];
  /** Asks for a long-running operation again until done (or `polls.times` asks); its Subscription, or its name. */
  const settle = async (client: Client, started: workspaceevents_v1.Schema$Operation, method: string): Promise<SubscriptionResult> => {
    let operation = started;
    for (let poll = 0; !operation.done && poll < polls.times; poll++) {
      await sleep(polls.delayMs);
      ({ data: operation } = await client.operations.get({ name: operation.name! }, request));
    }
    if (!operation.done) return { operation: operation.name ?? '' };
    if (operation.error) throw new Error(`subscriptions.${method} failed: ${operation.error.message ?? operation.error.code}`);
    return subscriptionOf(operation.response as workspaceevents_v1.Schema$Subscription);
  };

  return {
    async subscribe(subject, targetResource) {
      const client = clientFor(subject);
      let operation: workspaceevents_v1.Schema$Operation;
      try {
        ({ data: operation } = await client.subscriptions.create(
          {
            requestBody: {
              targetResource,
              eventTypes: [...MEET_EVENT_TYPES],
              notificationEndpoint: { pubsubTopic: options.topic },
              payloadOptions: { includeResource: false },
            },
          },
          request,
        ));
      } catch (error) {
        if (statusOf(error) !== 409) throw error;
        const existing = await find(client, targetResource);
        if (!existing) throw error;
        return subscriptionOf(existing);
      }
      return settle(client, operation, 'create');
    },

    async renew(subject, name) {
      const client = clientFor(subject);
      const { data } = await client.subscriptions.patch({ name, updateMask: 'ttl', requestBody: { ttl: '0s' } }, request);
      return settle(client, data, 'patch');
    },

    async reactivate(subject, name) {
      const client = clientFor(subject);
      const { data } = await client.subscriptions.reactivate({ name }, request);
      return settle(client, data, 'reactivate');
    },

    async unsubscribe(subject, name, targetResource) {
      const client = clientFor(subject);
      try {
        const found = name ?? (await find(client, targetResource))?.name;
        if (found) await client.subscriptions.delete({ name: found }, request);
      } catch (error) {
        if (statusOf(error) !== 404) throw error;
      }
    },
  };
}
