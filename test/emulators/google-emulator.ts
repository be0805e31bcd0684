import { createEmulatorApp } from './emulator-app.ts';
import type { Faults } from './faults.ts';
import { registerCalendarRoutes, type CalendarEvent, type CalendarRoute } from './google-calendar-api.ts';
import { createConferences, type ConferenceMode } from './google-conference.ts';
import { apiFaultBody } from './google-errors.ts';
import { registerOAuthRoutes, type EmulatedServiceAccount, type OAuthRoute } from './google-oauth.ts';
import { createTokenStore, type IssuedToken } from './google-tokens.ts';
import { listen, type Listening } from './listen.ts';
import type { RecordedRequest } from './recorder.ts';

export type GoogleRoute = OAuthRoute | CalendarRoute;
export const GOOGLE_ROUTES: readonly GoogleRoute[] = [
  'token',
  'tokeninfo',
  'authorize',
  'events.insert',
  'events.get',
  'events.patch',
  'events.delete',
];

/** Who may get a Meet conference: everyone (`true`), no one (`false`), or these delegated users. */
export type ConferencePolicy = boolean | string[];

export type GoogleEmulatorOptions = {
  serviceAccounts?: EmulatedServiceAccount[];
  /** Per service-account email, the users (subjects) domain-wide delegation is granted for. */
  delegations?: Record<string, string[]>;
  /** Base of Meet room links; a function gets the emulator's URL (e.g. `(url) => url + '/meet'` for loopback rooms). */
  meetBaseUrl?: string | ((emulatorUrl: string) => string);
  /** The browser's signed-in user for `/o/oauth2/v2/auth`. */
  signedInUser?: string;
  /** A service account acting as itself (no delegation) never gets a conference, as with Google. */
  conferenceTypeAllowed?: ConferencePolicy;
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
  setSignedInUser(email: string | undefined): void;
  readonly meetBaseUrl: string;
  /** Clears faults, records, events and modes; issued tokens stay valid. */
  reset(): void;
};

const USER_SCOPES = ['openid', 'https://www.googleapis.com/auth/userinfo.email'];

/**
 * Google's OAuth token exchange (service-account JWT bearer with domain-wide delegation), tokeninfo, the implicit
 * authorize flow and Calendar v3 events, on 127.0.0.1.
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
      route === 'token' || route === 'tokeninfo' || route === 'authorize'
        ? { error: status >= 500 ? 'internal_failure' : 'invalid_request', error_description: `Emulated fault (HTTP ${status})` }
        : apiFaultBody(status),
    resetState() {
      calendar.clear();
      conferenceMode = 'success';
      conferencePolicy = options.conferenceTypeAllowed ?? true;
      signedInUser = options.signedInUser;
    },
  });

  registerOAuthRoutes(kit, {
    serviceAccounts: options.serviceAccounts ?? [],
    delegations: options.delegations ?? {},
    tokens,
    signedInUser: () => signedInUser,
  });
  const conferences = createConferences({
    meetBaseUrl: () => meetBaseUrl,
    mode: () => conferenceMode,
    allowed: (token: IssuedToken) =>
      token.serviceAccount?.delegated !== false &&
      (typeof conferencePolicy === 'boolean'
        ? conferencePolicy
        : conferencePolicy.some((user) => user.toLowerCase() === token.email.toLowerCase())),
  });
  const calendar = registerCalendarRoutes(kit, { tokens, conferences });
  kit.app.get('/meet/:code{[a-z]{3}-[a-z]{4}-[a-z]{3}}', (c) =>
    c.html(`<!doctype html><title>Meet ${c.req.param('code')}</title><h1>Emulated Meet room ${c.req.param('code')}</h1>`),
  );

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
    get meetBaseUrl() {
      return meetBaseUrl;
    },
    reset: kit.reset,
  };
}
