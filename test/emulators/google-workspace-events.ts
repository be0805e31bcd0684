import { randomBytes, randomUUID } from 'node:crypto';
import type { Context } from 'hono';
import type { EmulatorApp, EmulatorEnv } from './emulator-app.ts';
import { rpcError } from './google-errors.ts';
import { MEET_SCOPES, type MeetControls, type MeetEventType } from './google-meet-api.ts';
import { googleUserId, type TokenStore } from './google-tokens.ts';

export type WorkspaceEventsRoute =
  | 'subscriptions.create'
  | 'subscriptions.list'
  | 'subscriptions.get'
  | 'subscriptions.patch'
  | 'subscriptions.reactivate'
  | 'subscriptions.delete'
  | 'operations.get';
export const WORKSPACE_EVENTS_ROUTES: readonly WorkspaceEventsRoute[] = [
  'subscriptions.create',
  'subscriptions.list',
  'subscriptions.get',
  'subscriptions.patch',
  'subscriptions.reactivate',
  'subscriptions.delete',
  'operations.get',
];

const MEET_EVENT_TYPES: readonly string[] = [
  'google.workspace.meet.conference.v2.started',
  'google.workspace.meet.conference.v2.ended',
  'google.workspace.meet.participant.v2.joined',
  'google.workspace.meet.participant.v2.left',
];
const SUBSCRIPTION_TYPE = 'type.googleapis.com/google.apps.events.subscriptions.v1.Subscription';
/** Meet subscriptions without resource data live at most 7 days (Workspace Events: subscription lifetimes). */
const MAX_TTL_MS = 7 * 24 * 3600 * 1000;
/** What `subscriptions.patch` may change (its `updateMask`, either spelling). */
const PATCHABLE = ['ttl', 'expire_time', 'expireTime', 'event_types', 'eventTypes'];
const TOPIC = /^projects\/[^/]+\/topics\/[^/]+$/;
const SPACE_TARGET = /^\/\/meet\.googleapis\.com\/(spaces\/[^/]+)$/;
const USER_TARGET = /^\/\/cloudidentity\.googleapis\.com\/users\/([^/]+)$/;

/** A Workspace Events subscription as Google answers it. */
export type Subscription = {
  name: string;
  uid: string;
  targetResource: string;
  eventTypes: string[];
  notificationEndpoint: { pubsubTopic: string };
  payloadOptions: { includeResource: boolean };
  state: 'ACTIVE' | 'SUSPENDED' | 'DELETED';
  /** Set while SUSPENDED (e.g. `USER_SCOPE_REVOKED`). */
  suspensionReason?: string;
  /** Emulator only (never answered): the suspension's cause is gone, so `reactivate` succeeds. */
  causeGone?: boolean;
  authority: string;
  createTime: string;
  updateTime: string;
  expireTime: string;
  etag: string;
};

export type WorkspaceEventsControls = {
  /** Live (not expired, not deleted) subscriptions. */
  subscriptions(): Subscription[];
  /** The next `count` operations answer `done: false` on create and on their first `operations.get`. */
  setPendingOperations(count: number): void;
  /**
   * Suspends a subscription as Google does when its authority loses access (`reason`, e.g. `USER_SCOPE_REVOKED`),
   * publishing `google.workspace.events.subscription.v1.suspended`; its Meet events stop.
   */
  suspend(name: string, reason?: string): void;
  /** The cause of a suspension is fixed (a scope granted again…): from now on `subscriptions.reactivate` succeeds. */
  resolveSuspension(name: string): void;
  /** Publishes `…subscription.v1.expirationReminder`, as Google does 12 hours and 1 hour before `expireTime`. */
  remindExpiration(name: string): void;
  /** Expires a subscription now, publishing `…subscription.v1.expired`; Google then deletes it. */
  expire(name: string): void;
  /**
   * What is wrong with a Pub/Sub topic, as Google's Meet publisher finds it: `ENDPOINT_NOT_FOUND` (no such topic in the
   * project) or `ENDPOINT_PERMISSION_DENIED` (no `roles/pubsub.publisher` for it); `undefined` fixes it. Subscriptions
   * on a broken topic are SUSPENDED with that `suspensionReason` (new ones from their create on; Google's ErrorType),
   * and can be reactivated once it is fixed.
   */
  setTopic(topic: string, problem: TopicProblem | undefined): void;
  /** The live subscription that delivers `type` for a space owned by `owner`, if any (what publishing checks). */
  subscriptionFor(space: string, owner: string, type: MeetEventType): Subscription | undefined;
};

export type TopicProblem = 'ENDPOINT_NOT_FOUND' | 'ENDPOINT_PERMISSION_DENIED';

const failedPrecondition = (message: string) =>
  Response.json({ error: { code: 400, message, status: 'FAILED_PRECONDITION' } }, { status: 400 });

type Operation = { name: string; done: boolean; response: Record<string, unknown>; polls: number };

/**
 * Workspace Events API v1: `subscriptions.create` (a long-running operation), `list` (its filter is required and must
 * name `event_types`), `get`, `patch` (renewal: `updateMask` of `ttl` / `expire_time` / `event_types`, ttl `0s` = the
 * longest allowed), `reactivate`, `delete`, and `operations.get`, for Meet targets (a space its owner subscribes to,
 * or the caller's own user). As Google: a delegated user's token with `meetings.space.readonly` (or `.created`) is
 * required, an unknown event type, a target of another user or a topic that is not `projects/…/topics/…` is 400/403,
 * a second subscription for the same target and app is 409 ALREADY_EXISTS, a ttl or expireTime past the 7-day
 * maximum is 400, `reactivate` of a subscription that is not SUSPENDED (or whose suspension's cause is not fixed yet)
 * is 400 FAILED_PRECONDITION and keeps the original `expireTime`, and an expired or deleted subscription is 404.
 */
export function registerWorkspaceEventsRoutes(
  { app, route }: Pick<EmulatorApp<WorkspaceEventsRoute>, 'app' | 'route'>,
  options: {
    tokens: TokenStore;
    meet: MeetControls;
    /** Publishes a lifecycle event about `subscription` (data: `{ subscription }`, as Google sends it). */
    onLifecycle?: (type: string, subscription: Subscription) => void;
  },
): WorkspaceEventsControls & { clear(): void } {
  const subscriptions = new Map<string, Subscription>();
  const operations = new Map<string, Operation>();
  const topicProblems = new Map<string, TopicProblem>();
  let pendingOperations = 0;

  const live = () => [...subscriptions.values()].filter((sub) => sub.state !== 'DELETED' && Date.parse(sub.expireTime) > Date.now());
  const authorize = (c: Context<EmulatorEnv>) => {
    const bearer = c.req.header('authorization')?.match(/^Bearer\s+(\S+)$/i)?.[1];
    const token = bearer ? options.tokens.lookup(bearer) : undefined;
    if (!token) return rpcError(401, 'Request had invalid authentication credentials.');
    if (!token.scopes.includes(MEET_SCOPES.readonly) && !token.scopes.includes(MEET_SCOPES.created)) {
      return rpcError(403, 'Request had insufficient authentication scopes.');
    }
    if (token.serviceAccount && !token.serviceAccount.delegated) return rpcError(403, 'The caller does not have permission');
    return { email: token.email.toLowerCase(), userId: googleUserId(token.email) };
  };
  const operation = (response: Record<string, unknown>, done = pendingOperations === 0) => {
    if (!done) pendingOperations -= 1;
    const op: Operation = { name: `operations/${randomBytes(12).toString('base64url')}`, done, response, polls: 0 };
    operations.set(op.name, op);
    return op;
  };
  /** The caller's live subscription `subscriptions/{id}` (another user's is not found, as Google answers). */
  const owned = (id: string, userId: string) =>
    live().find((entry) => entry.name === `subscriptions/${id}` && entry.authority === `users/${userId}`);
  const subscriptionView = ({ causeGone: _hidden, ...sub }: Subscription) => ({ '@type': SUBSCRIPTION_TYPE, ...sub });
  const operationView = (op: Operation) => ({ name: op.name, done: op.done, ...(op.done ? { response: op.response } : {}) });

  app.post('/v1/subscriptions', route('subscriptions.create'), (c) => {
    const auth = authorize(c);
    if (auth instanceof Response) return auth;
    const body = c.get('body') as Partial<Subscription> | undefined;
    const eventTypes = Array.isArray(body?.eventTypes) ? body.eventTypes : [];
    if (eventTypes.length === 0) return rpcError(400, 'Subscription must contain at least one event type.');
    const unknown = eventTypes.filter((type) => !MEET_EVENT_TYPES.includes(type));
    if (unknown.length) return rpcError(400, `Invalid event types: ${unknown.join(', ')}`);
    const topic = body?.notificationEndpoint?.pubsubTopic;
    if (typeof topic !== 'string' || !TOPIC.test(topic))
      return rpcError(400, 'notification_endpoint.pubsub_topic must be projects/{project}/topics/{topic}.');
    const target = String(body?.targetResource ?? '');
    const space = SPACE_TARGET.exec(target)?.[1];
    const user = USER_TARGET.exec(target)?.[1];
    if (space) {
      const stored = options.meet.space(space);
      if (!stored) return rpcError(404);
      if (stored.owner !== auth.email) return rpcError(403, 'The caller does not have permission');
    } else if (!user) return rpcError(400, `Invalid target resource: ${target}`);
    else if (user !== auth.userId) return rpcError(403, 'The caller does not have permission');
    if (live().some((sub) => sub.targetResource === target)) return rpcError(409, 'Subscription already exists.');
    const now = new Date();
    const topicProblem = topicProblems.get(topic);
    const subscription: Subscription = {
      name: `subscriptions/${randomBytes(16).toString('hex')}`,
      uid: randomUUID(),
      targetResource: target,
      eventTypes,
      notificationEndpoint: { pubsubTopic: topic },
      payloadOptions: { includeResource: false },
      state: topicProblem ? 'SUSPENDED' : 'ACTIVE',
      ...(topicProblem ? { suspensionReason: topicProblem } : {}),
      authority: `users/${auth.userId}`,
      createTime: now.toISOString(),
      updateTime: now.toISOString(),
      expireTime: new Date(now.getTime() + MAX_TTL_MS).toISOString(),
      etag: randomBytes(8).toString('hex'),
    };
    subscriptions.set(subscription.name, subscription);
    return c.json(operationView(operation({ '@type': SUBSCRIPTION_TYPE, ...subscription })));
  });

  app.get('/v1/operations/:id', route('operations.get'), (c) => {
    const auth = authorize(c);
    if (auth instanceof Response) return auth;
    const op = operations.get(`operations/${c.req.param('id')}`);
    if (!op) return rpcError(404);
    op.polls += 1;
    op.done = true;
    return c.json(operationView(op));
  });

  app.get('/v1/subscriptions', route('subscriptions.list'), (c) => {
    const auth = authorize(c);
    if (auth instanceof Response) return auth;
    const filter = c.req.query('filter') ?? '';
    const types = [...filter.matchAll(/event_types:"([^"]+)"/g)].map((match) => match[1]!);
    if (types.length === 0) return rpcError(400, 'Filter must contain at least one event type (event_types:"…").');
    const target = /target_resource="([^"]+)"/.exec(filter)?.[1];
    const found = live().filter(
      (sub) =>
        sub.authority === `users/${auth.userId}` &&
        types.some((type) => sub.eventTypes.includes(type)) &&
        (!target || sub.targetResource === target),
    );
    return c.json(found.length ? { subscriptions: found.map(subscriptionView) } : {});
  });

  app.get('/v1/subscriptions/:id', route('subscriptions.get'), (c) => {
    const auth = authorize(c);
    if (auth instanceof Response) return auth;
    const sub = owned(c.req.param('id'), auth.userId);
    return sub ? c.json(subscriptionView(sub)) : rpcError(404);
  });

  app.patch('/v1/subscriptions/:id', route('subscriptions.patch'), (c) => {
    const auth = authorize(c);
    if (auth instanceof Response) return auth;
    const sub = owned(c.req.param('id'), auth.userId);
    if (!sub) return rpcError(404);
    const body = (c.get('body') ?? {}) as { ttl?: unknown; expireTime?: unknown; eventTypes?: unknown };
    const mask = c.req.query('updateMask');
    const fields = mask !== undefined ? mask.split(',').map((field) => field.trim()) : Object.keys(body);
    const unknown = fields.filter((field) => !PATCHABLE.includes(field));
    if (unknown.length || fields.length === 0) return rpcError(400, `Invalid update mask: ${unknown.join(', ') || '(empty)'}`);
    const touches = (field: string) => fields.some((entry) => entry.replace(/_(\w)/g, (_m, ch: string) => ch.toUpperCase()) === field);
    if (touches('ttl') && touches('expireTime')) return rpcError(400, 'Only one of ttl and expire_time can be set.');
    let expireTime = Date.parse(sub.expireTime);
    if (touches('ttl')) {
      const seconds = /^(\d+(?:\.\d+)?)s$/.exec(String(body.ttl ?? ''))?.[1];
      if (seconds === undefined) return rpcError(400, 'ttl must be a duration such as "3600s".');
      const ttlMs = Number(seconds) * 1000;
      if (ttlMs > MAX_TTL_MS) return rpcError(400, 'ttl exceeds the maximum expiration time for this subscription.');
      expireTime = Date.now() + (ttlMs === 0 ? MAX_TTL_MS : ttlMs);
    }
    if (touches('expireTime')) {
      expireTime = Date.parse(String(body.expireTime ?? ''));
      if (!(expireTime > Date.now()) || expireTime > Date.now() + MAX_TTL_MS)
        return rpcError(400, 'expire_time must be in the future and within the maximum expiration time.');
    }
    if (touches('eventTypes')) {
      const types = Array.isArray(body.eventTypes) ? (body.eventTypes as string[]) : [];
      if (types.length === 0 || types.some((type) => !MEET_EVENT_TYPES.includes(type)))
        return rpcError(400, `Invalid event types: ${types.join(', ') || '(none)'}`);
      sub.eventTypes = types;
    }
    sub.expireTime = new Date(expireTime).toISOString();
    sub.updateTime = new Date().toISOString();
    sub.etag = randomBytes(8).toString('hex');
    return c.json(operationView(operation(subscriptionView(sub))));
  });

  app.post('/v1/subscriptions/:action{[^/]+:reactivate}', route('subscriptions.reactivate'), (c) => {
    const auth = authorize(c);
    if (auth instanceof Response) return auth;
    const sub = owned(c.req.param('action').replace(/:reactivate$/, ''), auth.userId);
    if (!sub) return rpcError(404);
    if (sub.state !== 'SUSPENDED') return failedPrecondition('The subscription is not suspended.');
    if (!sub.causeGone) return failedPrecondition(`The error that suspended the subscription is not resolved: ${sub.suspensionReason}.`);
    sub.state = 'ACTIVE';
    delete sub.suspensionReason;
    delete sub.causeGone;
    sub.updateTime = new Date().toISOString();
    return c.json(operationView(operation(subscriptionView(sub))));
  });

  app.delete('/v1/subscriptions/:id', route('subscriptions.delete'), (c) => {
    const auth = authorize(c);
    if (auth instanceof Response) return auth;
    const sub = owned(c.req.param('id'), auth.userId);
    if (!sub) return rpcError(404);
    sub.state = 'DELETED';
    return c.json(operationView(operation({ '@type': 'type.googleapis.com/google.protobuf.Empty' }, true)));
  });

  const mustFind = (name: string) => {
    const sub = live().find((entry) => entry.name === name);
    if (!sub) throw new Error(`No live subscription "${name}"`);
    return sub;
  };

  return {
    subscriptions: live,
    suspend(name, reason = 'USER_SCOPE_REVOKED') {
      const sub = mustFind(name);
      sub.state = 'SUSPENDED';
      sub.updateTime = new Date().toISOString();
      sub.suspensionReason = reason;
      options.onLifecycle?.('google.workspace.events.subscription.v1.suspended', { ...sub });
    },
    resolveSuspension(name) {
      mustFind(name).causeGone = true;
    },
    remindExpiration(name) {
      options.onLifecycle?.('google.workspace.events.subscription.v1.expirationReminder', { ...mustFind(name) });
    },
    expire(name) {
      const sub = mustFind(name);
      options.onLifecycle?.('google.workspace.events.subscription.v1.expired', { ...sub });
      sub.expireTime = new Date(Date.now() - 1).toISOString();
      sub.state = 'DELETED';
    },
    setTopic(topic, problem) {
      if (problem) topicProblems.set(topic, problem);
      else topicProblems.delete(topic);
      for (const sub of live().filter((entry) => entry.notificationEndpoint.pubsubTopic === topic)) {
        if (problem && sub.state === 'ACTIVE') {
          sub.state = 'SUSPENDED';
          sub.suspensionReason = problem;
          sub.updateTime = new Date().toISOString();
        } else if (!problem && sub.state === 'SUSPENDED' && sub.suspensionReason?.startsWith('ENDPOINT_')) sub.causeGone = true;
      }
    },
    setPendingOperations: (count) => void (pendingOperations = count),
    subscriptionFor: (space, owner, type) =>
      live().find(
        (sub) =>
          sub.state === 'ACTIVE' &&
          sub.eventTypes.includes(type) &&
          (sub.targetResource === `//meet.googleapis.com/${space}` ||
            sub.targetResource === `//cloudidentity.googleapis.com/users/${googleUserId(owner)}`),
      ),
    clear() {
      subscriptions.clear();
      operations.clear();
      topicProblems.clear();
      pendingOperations = 0;
    },
  };
}
