import type { DelegatedAuth } from '../google/delegated-auth.ts';
import { workspaceevents_v1 } from '../google/google-apis.ts';
import { MEET_SPACE_SCOPES } from '../google/scopes.ts';
import { MEET_EVENT_TYPES } from './push-envelope.ts';

/** A subscription Google has made (or we adopted, `active` unless Google suspended it), or the operation still making it. */
export type SubscriptionResult = { name: string; expireTime: Date | null; active: boolean } | { operation: string };

/** The Workspace Events API v1 calls attendance needs, acting as the solver (delegation subject). */
export type WorkspaceEvents = {
  /**
   * Subscribes the Pub/Sub topic to the four Meet event types of `targetResource`
   * (`//meet.googleapis.com/spaces/{id}`). A subscription Google says already exists (409 ALREADY_EXISTS) is found
   * with `subscriptions.list` and adopted. @throws the googleapis error (GaxiosError) when Google refuses
   */
  subscribe(subject: string, targetResource: string): Promise<SubscriptionResult>;
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
const statusOf = (error: unknown) =>
  (error as { status?: number; response?: { status?: number } }).response?.status ?? (error as { status?: number }).status;

/**
 * Workspace Events API v1 through googleapis (`subscriptions.create`, `operations.get`, `subscriptions.list`),
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
  });

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
        const { data } = await client.subscriptions.list(
          { filter: `event_types:"${MEET_EVENT_TYPES[0]}" AND target_resource="${targetResource}"` },
          request,
        );
        const existing = data.subscriptions?.[0];
        if (!existing) throw error;
        return subscriptionOf(existing);
      }
      for (let poll = 0; !operation.done && poll < polls.times; poll++) {
        await sleep(polls.delayMs);
        ({ data: operation } = await client.operations.get({ name: operation.name! }, request));
      }
      if (!operation.done) return { operation: operation.name ?? '' };
      if (operation.error) throw new Error(`subscriptions.create failed: ${operation.error.message ?? operation.error.code}`);
      return subscriptionOf(operation.response as workspaceevents_v1.Schema$Subscription);
    },
  };
}
