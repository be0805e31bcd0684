import { createEmulatorApp, type EmulatorApp } from './emulator-app.ts';
import type { Faults } from './faults.ts';
import { registerCalendarRoutes, type CalendarEvent, type CalendarRoute } from './google-calendar-api.ts';
import { createConferences, type ConferenceMode } from './google-conference.ts';
import { createDelegations, type DelegationsOption, type GrantedScopes } from './google-delegations.ts';
import { apiFaultBody, rpcErrorBody } from './google-errors.ts';
import { IAM_ROUTES, registerIamRoutes, type IamControls, type IamRoute } from './google-iam.ts';
import { MEET_ROUTES, registerMeetRoutes, type MeetControls, type MeetRoute } from './google-meet-api.ts';
import { createPubSubPush, type PubSubPushControls, type PushDelivery, type PushSubscriptionConfig } from './google-pubsub-push.ts';
import {
  WORKSPACE_EVENTS_ROUTES,
  registerWorkspaceEventsRoutes,
  type WorkspaceEventsControls,
  type WorkspaceEventsRoute,
} from './google-workspace-events.ts';
import { registerOAuthRoutes, type EmulatedServiceAccount, type OAuthRoute } from './google-oauth.ts';
import { createTokenStore, googleUserId, type IssuedToken } from './google-tokens.ts';
import { listen, type Listening } from './listen.ts';
import { meetRoomPage } from './meet-room-page.ts';
import type { RecordedRequest } from './recorder.ts';

export type GoogleRoute = OAuthRoute | CalendarRoute | MeetRoute | IamRoute | WorkspaceEventsRoute;
export const GOOGLE_ROUTES: readonly GoogleRoute[] = [
  'token',
  'tokeninfo',
  'authorize',
  'events.insert',
  'events.get',
  'events.patch',
  'events.delete',
  ...MEET_ROUTES,
  ...IAM_ROUTES,
  ...WORKSPACE_EVENTS_ROUTES,
];

/** The service account the emulated Cloud Run / GKE / Compute Engine instance runs as (the metadata server's identity). */
export const DEFAULT_ATTACHED_SERVICE_ACCOUNT = 'savvysolve-backend@emulated-project.iam.gserviceaccount.com';

/** Who may get a Meet conference: everyone (`true`), no one (`false`), or these delegated users. */
export type ConferencePolicy = boolean | string[];

export type GoogleEmulatorOptions = {
  serviceAccounts?: EmulatedServiceAccount[];
  /**
   * Per service-account email, the users (subjects) domain-wide delegation is granted for: an email grants every
   * scope, `{ user, scopes: [...] }` only those (the exchange then refuses any other scope, as Google does).
   */
  delegations?: DelegationsOption;
  /** Base of Meet room links; a function gets the emulator's URL (e.g. `(url) => url + '/meet'` for loopback rooms). */
  meetBaseUrl?: string | ((emulatorUrl: string) => string);
  /**
   * The browser's signed-in Google user for `/o/oauth2/v2/auth`, or several: a silent sign-in gets the first, an
   * interactive one without `login_hint` a page to choose among them (the demo: an employed and a contract solver).
   */
  signedInUser?: string | string[];
  /** A service account acting as itself (no delegation) never gets a conference, as with Google. */
  conferenceTypeAllowed?: ConferencePolicy;
  /** The metadata server's identity (default {@link DEFAULT_ATTACHED_SERVICE_ACCOUNT}); it holds Token Creator on every service account. */
  attachedServiceAccount?: string;
  port?: number;
};

export type IssueAccessTokenInput = { email: string; audience: string; emailVerified?: boolean; expiresInSec?: number; scopes?: string[] };

export type GoogleEmulator = Listening & {
  faults: Faults<GoogleRoute>;
  requests(route?: GoogleRoute): RecordedRequest<GoogleRoute>[];
  calendar: { events(calendarId?: string): CalendarEvent[]; insertCount(): number };
  /** A user access token as the browser would get it (for tokeninfo / sign-in). */
  issueAccessToken(input: IssueAccessTokenInput): string;
  setConferenceMode(mode: ConferenceMode): void;
  setConferenceTypeAllowed(policy: ConferencePolicy): void;
  setSignedInUser(email: string | string[] | undefined): void;
  /**
   * Grants domain-wide delegation for `user` with these scopes (`'all'`: every scope), or revokes it (`null`);
   * to the first service account unless `clientEmail` says which. `reset()` restores the start-up grants.
   */
  setDelegation(user: string, scopes: GrantedScopes | null, clientEmail?: string): void;
  /** Meet v2 spaces (one per Meet conference of an event) and the calls in them. */
  meet: MeetControls;
  /** Cloud Pub/Sub push of subscribed spaces' Meet events (join, leave, call start and end), OIDC-signed by this Google. */
  pubsub: PubSubPushControls;
  /** Workspace Events API v1 subscriptions (what decides which spaces' events are published). */
  workspaceEvents: Pick<
    WorkspaceEventsControls,
    'subscriptions' | 'setPendingOperations' | 'suspend' | 'resolveSuspension' | 'remindExpiration' | 'expire' | 'setTopic'
  >;
  /** Keyless signing: the metadata server's identity, Token Creator grants, the IAM Credentials API switch. */
  iam: Pick<IamControls, 'setTokenCreator' | 'setIamCredentialsEnabled' | 'attachedServiceAccount'>;
  /** The user's stable Google account id: tokeninfo's `sub`, and `users/{id}` of a signed-in Meet participant. */
  googleAccountIdFor(email: string): string;
  readonly meetBaseUrl: string;
  /** Clears faults, records, events, Meet spaces, delegation changes and modes; issued tokens stay valid. */
  reset(): void;
};

const USER_SCOPES = ['openid', 'https://www.googleapis.com/auth/userinfo.email'];

/**
 * Google's OAuth token exchange (service-account JWT bearer with domain-wide delegation and granted scopes), tokeninfo,
 * the implicit authorize flow, Calendar v3 events and Meet v2 spaces / conference records, on 127.0.0.1.
 */
export async function startGoogleEmulator(options: GoogleEmulatorOptions = {}): Promise<GoogleEmulator> {
  const tokens = createTokenStore();
  let conferenceMode: ConferenceMode = 'success';
  let conferencePolicy: ConferencePolicy = options.conferenceTypeAllowed ?? true;
  let signedInUser = options.signedInUser;
  let meetBaseUrl = typeof options.meetBaseUrl === 'string' ? options.meetBaseUrl : 'https://meet.google.com';

  const kit = createEmulatorApp<GoogleRoute>({
    routes: GOOGLE_ROUTES,
    faultBody: (route, status) =>
      route === 'token' || route === 'tokeninfo' || route === 'authorize' || route === 'metadata.token'
        ? { error: status >= 500 ? 'internal_failure' : 'invalid_request', error_description: `Emulated fault (HTTP ${status})` }
        : (MEET_ROUTES as readonly string[]).includes(route) ||
            (WORKSPACE_EVENTS_ROUTES as readonly string[]).includes(route) ||
            route === 'signJwt'
          ? rpcErrorBody(status)
          : apiFaultBody(status),
    resetState() {
      calendar.clear();
      meet.clear();
      workspaceEvents.clear();
      pubsub.reset();
      delegations.reset();
      iam.reset();
      conferenceMode = 'success';
      conferencePolicy = options.conferenceTypeAllowed ?? true;
      signedInUser = options.signedInUser;
    },
  });

  const delegations = createDelegations(options.delegations);
  const serviceAccounts = options.serviceAccounts ?? [];
  const attachedServiceAccount = options.attachedServiceAccount ?? DEFAULT_ATTACHED_SERVICE_ACCOUNT;
  const iam = registerIamRoutes(kit, {
    tokens,
    serviceAccounts: () => [...serviceAccounts.map((account) => account.clientEmail), attachedServiceAccount],
    attachedServiceAccount,
  });
  registerOAuthRoutes(kit, {
    serviceAccounts,
    delegations,
    tokens,
    managedKey: iam.managedKey,
    signedInUsers: () => (signedInUser === undefined ? [] : [signedInUser].flat()),
  });
  const pubsub = createPubSubPush(kit.app);
  // Google publishes a space's Meet events only through a live subscription covering it (the space, or its owner).
  const meet = registerMeetRoutes(kit, {
    tokens,
    onEvent: (event) => {
      const owner = meet.space(event.space)?.owner;
      const via = owner ? workspaceEvents.subscriptionFor(event.space, owner, event.type) : undefined;
      if (via) pubsub.publish(event, via);
    },
  });
  const workspaceEvents = registerWorkspaceEventsRoutes(kit, {
    tokens,
    meet,
    // Lifecycle events go to the subscription's own topic, about the subscription itself (ce-subject).
    onLifecycle: (type, subscription) =>
      pubsub.publish(
        { type, time: new Date(), data: { subscription } },
        { name: subscription.name, targetResource: `//workspaceevents.googleapis.com/${subscription.name}` },
      ),
  });
  const conferences = createConferences({
    created: (conference) => meet.addSpace(conference),
    meetBaseUrl: () => meetBaseUrl,
    mode: () => conferenceMode,
    allowed: (token: IssuedToken) =>
      token.serviceAccount?.delegated !== false &&
      (typeof conferencePolicy === 'boolean'
        ? conferencePolicy
        : conferencePolicy.some((user) => user.toLowerCase() === token.email.toLowerCase())),
  });
  const calendar = registerCalendarRoutes(kit, { tokens, conferences });
  kit.app.get('/meet/:code{[a-z]{3}-[a-z]{4}-[a-z]{3}}', (c) => c.html(meetRoomPage(c.req.param('code'))));

  const setDelegation = (user: string, scopes: GrantedScopes | null, clientEmail = serviceAccounts[0]?.clientEmail) => {
    if (!clientEmail) throw new Error('setDelegation: the emulator has no service account');
    delegations.set(clientEmail, user, scopes);
  };
  registerTestControls(kit.app, meet, setDelegation);
  registerIamTestControls(kit.app, iam);
  registerPubSubTestControls(kit.app, pubsub);

  const server = await listen(kit.app.fetch, options.port);
  if (typeof options.meetBaseUrl === 'function') meetBaseUrl = options.meetBaseUrl(server.url);

  return {
    ...server,
    faults: kit.faults,
    requests: kit.recorder.requests,
    calendar: { events: calendar.events, insertCount: calendar.insertCount },
    issueAccessToken: ({ email, audience, emailVerified = true, expiresInSec = 3599, scopes = USER_SCOPES }) =>
      tokens.issue({ email, audience, scopes, emailVerified }, expiresInSec),
    setConferenceMode: (mode) => void (conferenceMode = mode),
    setConferenceTypeAllowed: (policy) => void (conferencePolicy = policy),
    setSignedInUser: (email) => void (signedInUser = email),
    setDelegation,
    meet: {
      space: meet.space,
      spaces: meet.spaces,
      conferenceRecords: meet.conferenceRecords,
      participants: meet.participants,
      join: meet.join,
      leave: meet.leave,
      endCall: meet.endCall,
      openRoom: (owner, meetingCode) => meet.openRoom(owner, meetingCode),
    },
    workspaceEvents: {
      subscriptions: workspaceEvents.subscriptions,
      setPendingOperations: workspaceEvents.setPendingOperations,
      suspend: workspaceEvents.suspend,
      resolveSuspension: workspaceEvents.resolveSuspension,
      remindExpiration: workspaceEvents.remindExpiration,
      expire: workspaceEvents.expire,
      setTopic: workspaceEvents.setTopic,
    },
    pubsub: {
      configure: pubsub.configure,
      setDelivery: pubsub.setDelivery,
      release: pubsub.release,
      attempts: pubsub.attempts,
      idle: pubsub.idle,
      mintToken: pubsub.mintToken,
    },
    iam: {
      setTokenCreator: iam.setTokenCreator,
      setIamCredentialsEnabled: iam.setIamCredentialsEnabled,
      attachedServiceAccount,
    },
    googleAccountIdFor: googleUserId,
    get meetBaseUrl() {
      return meetBaseUrl;
    },
    reset: kit.reset,
  };
}

/**
 * The Meet and delegation controls for other processes: `POST /__emulator/meet/space {meetingCode}`,
 * `POST /__emulator/meet/join {meetingCode, participant, at?}`, `POST /__emulator/meet/leave {meetingCode, participant, at?}`,
 * `POST /__emulator/meet/end-call {meetingCode, at?}`, `POST /__emulator/delegations {user, scopes, clientEmail?}`,
 * `GET /__emulator/google-account-id?email=`. `meetingCode` also takes `spaces/{id}` or a Meet link.
 */
function registerTestControls(
  app: EmulatorApp<GoogleRoute>['app'],
  meet: MeetControls,
  setDelegation: GoogleEmulator['setDelegation'],
): void {
  type Body = { meetingCode?: string; participant?: any; at?: string; user?: string; scopes?: GrantedScopes | null; clientEmail?: string };
  const control = (path: string, run: (body: Body, at: Date | undefined) => unknown) =>
    app.post(path, async (c) => {
      const body = ((await c.req.json().catch(() => ({}))) ?? {}) as Body;
      const at = body.at === undefined ? undefined : new Date(body.at);
      if (at && Number.isNaN(at.getTime())) return c.json({ error: `Invalid "at": ${body.at}` }, 400);
      try {
        const result = run(body, at);
        return result === undefined ? c.body(null, 204) : c.json(result as object);
      } catch (error) {
        return c.json({ error: (error as Error).message }, /^No /.test((error as Error).message) ? 404 : 400);
      }
    });
  const code = (body: Body) => {
    if (typeof body.meetingCode !== 'string') throw new Error('"meetingCode" is required');
    return body.meetingCode;
  };
  control('/__emulator/meet/space', (body) => {
    const space = meet.space(code(body));
    if (!space) throw new Error(`No Meet space "${body.meetingCode}"`);
    return space;
  });
  control('/__emulator/meet/join', (body, at) => meet.join(code(body), body.participant, at));
  control('/__emulator/meet/leave', (body, at) => meet.leave(code(body), body.participant, at));
  control('/__emulator/meet/end-call', (body, at) => meet.endCall(code(body), at));
  control('/__emulator/delegations', (body) => {
    if (typeof body.user !== 'string' || body.scopes === undefined)
      throw new Error('"user" and "scopes" (string[], "all" or null) are required');
    setDelegation(body.user, body.scopes, body.clientEmail);
  });
  app.get('/__emulator/google-account-id', (c) => {
    const email = c.req.query('email');
    return email ? c.json({ email, id: googleUserId(email) }) : c.json({ error: '"email" is required' }, 400);
  });
}

/**
 * Keyless controls for other processes: `POST /__emulator/iam/token-creator {target, granted, caller?}` grants or
 * revokes roles/iam.serviceAccountTokenCreator; `POST /__emulator/iam/api {enabled}` turns IAM Credentials off or on.
 */
function registerIamTestControls(app: EmulatorApp<GoogleRoute>['app'], iam: IamControls): void {
  app.post('/__emulator/iam/token-creator', async (c) => {
    const body = (await c.req.json().catch(() => ({}))) as { target?: unknown; granted?: unknown; caller?: unknown };
    if (
      typeof body.target !== 'string' ||
      typeof body.granted !== 'boolean' ||
      (body.caller !== undefined && typeof body.caller !== 'string')
    )
      return c.json({ error: '"target" (string) and "granted" (boolean) are required; "caller" is optional' }, 400);
    iam.setTokenCreator(body.target, body.granted, body.caller);
    return c.body(null, 204);
  });
  app.post('/__emulator/iam/api', async (c) => {
    const body = (await c.req.json().catch(() => ({}))) as { enabled?: unknown };
    if (typeof body.enabled !== 'boolean') return c.json({ error: '"enabled" (boolean) is required' }, 400);
    iam.setIamCredentialsEnabled(body.enabled);
    return c.body(null, 204);
  });
}

/**
 * Pub/Sub push controls for other processes: `POST /__emulator/pubsub/subscription {endpoint, serviceAccountEmail,
 * audience?}` (or `{}` to stop pushing), `POST /__emulator/pubsub/delivery {delayMs?, duplicates?, held?}`,
 * `POST /__emulator/pubsub/release {order?: "publish" | "reverse"}`, `GET /__emulator/pubsub/attempts`.
 */
function registerPubSubTestControls(app: EmulatorApp<GoogleRoute>['app'], pubsub: PubSubPushControls): void {
  app.post('/__emulator/pubsub/subscription', async (c) => {
    const body = (await c.req.json().catch(() => ({}))) as Partial<PushSubscriptionConfig>;
    if (body.endpoint === undefined) return (pubsub.configure(undefined), c.body(null, 204));
    if (typeof body.endpoint !== 'string' || typeof body.serviceAccountEmail !== 'string')
      return c.json({ error: '"endpoint" and "serviceAccountEmail" are required; "audience" is optional' }, 400);
    pubsub.configure({ endpoint: body.endpoint, serviceAccountEmail: body.serviceAccountEmail, audience: body.audience });
    return c.body(null, 204);
  });
  app.post('/__emulator/pubsub/delivery', async (c) => {
    pubsub.setDelivery((await c.req.json().catch(() => ({}))) as PushDelivery);
    return c.body(null, 204);
  });
  app.post('/__emulator/pubsub/release', async (c) => {
    const body = (await c.req.json().catch(() => ({}))) as { order?: 'publish' | 'reverse' };
    pubsub.release(body.order);
    return c.body(null, 204);
  });
  app.get('/__emulator/pubsub/attempts', (c) => c.json({ attempts: pubsub.attempts() }));
}
