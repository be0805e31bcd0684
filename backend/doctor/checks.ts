import { messageOf } from '../../shared/index.ts';
import { randomBytes } from 'node:crypto';
import { and, eq, isNotNull } from 'drizzle-orm';
import { countPendingMigrations, openDatabase } from '../db/client.ts';
import { solvers } from '../db/schema.ts';
import { MEET_EVENTS_PUSH_PATH, type Config } from '../env.ts';
import { createCredentialSource } from '../google/credential-source.ts';
import type { DelegatedAuth } from '../google/delegated-auth.ts';
import { diagnoseSigningError } from '../google/delegation-failure.ts';
import { CALENDAR_SCOPE, MEET_SPACE_SCOPES } from '../google/scopes.ts';
import { createGoogleMeetSpaces, type MeetSpace } from '../meet-space/google-meet-spaces.ts';
import { diagnoseMeetError } from '../meet-space/meet-space-failure.ts';
import { meetingCodeOf } from '../meet-space/meeting-code.ts';
import { CLIENT_ID_HINT, CalendarFailure, diagnoseCalendarError } from '../meet/calendar-failure.ts';
import { createGoogleCalendar, type MeetCalendar } from '../meet/google-calendar.ts';
import { createAblyPublisher, createAblyTokenRevoker, RevocationNotEnabledError } from '../realtime/ably-publisher.ts';
import {
  createGoogleWorkspaceEvents,
  statusOf,
  type SubscriptionResult,
  type WorkspaceEvents,
} from '../meet-events/google-workspace-events.ts';
import { spaceTarget } from '../meet-events/space-subscriptions.ts';
import { checkSenderRegistration } from '../sms/sender-registration.ts';
import { recentSenderAlerts } from '../sms/sender-alerts.ts';
import { createTwilioSender, fetchTwilioAccountStatus } from '../sms/twilio-sender.ts';
import { checkAppSettings } from './app-checks.ts';

/** `warn`: something a deployment can live without (the exit code stays 0), said with its consequence. */
export type CheckStatus = 'ok' | 'warn' | 'fail' | 'skip';
export type CheckResult = { status: CheckStatus; name: string; detail: string; fix?: string };
export type DoctorOptions = {
  /** Solver emails to check delegation and Calendar for; default: every employed solver with a Google email. */
  as?: string[];
  /** Send one real test SMS to this number. */
  sendTo?: string;
};

const ok = (name: string, detail: string): CheckResult => ({ status: 'ok', name, detail });
const warn = (name: string, detail: string, fix: string): CheckResult => ({ status: 'warn', name, detail, fix });
const fail = (name: string, detail: string, fix: string): CheckResult => ({ status: 'fail', name, detail, fix });
const skip = (name: string, detail: string): CheckResult => ({ status: 'skip', name, detail });
const reason = messageOf;

/** Checks a deployment from its configuration, one result per line, each failure with a plain-words fix. */
export async function runDoctor(config: Config, options: DoctorOptions, report: (result: CheckResult) => void): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  const add = (result: CheckResult) => {
    results.push(result);
    report(result);
  };

  const subjects = await checkDatabase(config, options, add);
  checkSignIn(config, add);
  await checkGoogle(config, subjects, add);
  await checkTwilio(config, options, add);
  await checkSenderAlerts(config, add);
  await checkAbly(config, add);
  await checkAppSettings(config, add);
  await checkPublicUrl(config, add);
  await checkMeetEvents(config, add);
  return results;
}

async function checkDatabase(config: Config, options: DoctorOptions, add: (result: CheckResult) => void): Promise<string[]> {
  if (config.database.kind === 'pglite') {
    add(
      skip(
        'database',
        `embedded PGlite in ${config.database.dataDir}: one process at a time, so it is checked when \`npm start\` opens it`,
      ),
    );
    return options.as ?? [];
  }
  let handle;
  try {
    handle = await openDatabase(config.database, { migrate: false });
    if (!(await handle.ping())) throw new Error('the server did not answer');
  } catch (error) {
    add(
      fail('database', `cannot reach DATABASE_URL (${reason(error)})`, 'Check the host, port, credentials and that the database exists.'),
    );
    await handle?.close();
    return options.as ?? [];
  }
  try {
    const pending = await countPendingMigrations(handle.db);
    add(
      pending === 0
        ? ok('database', 'Postgres reachable, all migrations applied')
        : fail(
            'database',
            `Postgres reachable, ${pending} migration(s) not applied`,
            'Start the backend once (`npm start`): it applies migrations at start-up.',
          ),
    );
    if (options.as) return options.as;
    const rows = await handle.db
      .select({ googleEmail: solvers.googleEmail })
      .from(solvers)
      .where(and(eq(solvers.employment, 'employed'), isNotNull(solvers.googleEmail)))
      .catch(() => []);
    return rows.map((row) => row.googleEmail!);
  } finally {
    await handle.close();
  }
}

function checkSignIn(config: Config, add: (result: CheckResult) => void) {
  const { oauthClientIds, workspaceDomains } = config.google;
  add(
    oauthClientIds.length
      ? ok(
          'sign-in',
          `OAuth client id(s): ${oauthClientIds.join(', ')}; Workspace domain(s): ${workspaceDomains.join(', ') || 'any (WORKSPACE_DOMAINS unset)'}`,
        )
      : fail(
          'sign-in',
          'GOOGLE_OAUTH_CLIENT_IDS is unset: no solver can sign in',
          "Set it to the extension's OAuth client id (Google Cloud › APIs & Services › Credentials).",
        ),
  );
}

const DELEGATION_PAGE = 'Admin console › Security › Access and data control › API controls › Domain-wide delegation';
const MEET_CONTROL = 'Meet space control';

/** What the Admin console grants a subject, out of the scopes asked for. */
type Grants = { granted: string[]; missing: string[] } | { error: unknown };

/**
 * Mints one delegated token with every scope the backend uses. Google refuses the whole exchange when a single
 * scope is missing (`unauthorized_client`, for no grant at all as well), so on that refusal each scope is tried
 * alone to name the ones the Admin console still has to grant. Any other refusal (bad key, keyless signing, unknown
 * user, unreachable) is returned as is: it is not about scopes.
 */
async function probeScopes(delegated: DelegatedAuth, subject: string, scopes: string[]): Promise<Grants> {
  // `mint`, not the cache: a probe must really ask Google.
  const mint = (asked: string[]) => delegated.mint(subject, asked);
  const notGranted = (error: unknown) => diagnoseCalendarError(error, subject, delegated.signer).kind === 'delegation_not_granted';
  try {
    await mint(scopes);
    return { granted: scopes, missing: [] };
  } catch (error) {
    if (!notGranted(error)) return { error };
    const alone = await Promise.all(
      scopes.map(async (scope) => {
        try {
          await mint([scope]);
          return { scope, granted: true };
        } catch (single) {
          if (!notGranted(single)) throw single;
          return { scope, granted: false };
        }
      }),
    ).catch((single: unknown) => ({ error: single }));
    if ('error' in alone) return alone;
    const missing = alone.filter((probe) => !probe.granted).map((probe) => probe.scope);
    // Every scope passes alone but not together: report Google's refusal rather than guess.
    if (missing.length === 0) return { error };
    return { granted: alone.filter((probe) => probe.granted).map((probe) => probe.scope), missing };
  }
}

/**
 * Which way delegated tokens are signed and, keyless, whether IAM signs: the backend's own identity (the ADC
 * principal) and one test JWT. Returns the credential source, or undefined when Google cannot be used at all.
 */
async function checkGoogleCredentials(config: Config, add: (result: CheckResult) => void): Promise<DelegatedAuth | undefined> {
  const { serviceAccount: key, serviceAccountEmail } = config.google;
  const delegated = createCredentialSource(config.google, 10_000);
  if (!delegated) {
    add(
      fail(
        'service account',
        'GOOGLE_SERVICE_ACCOUNT_EMAIL and GOOGLE_SERVICE_ACCOUNT_KEY are unset: Google Meet integration not configured',
        'Keyless (recommended): set GOOGLE_SERVICE_ACCOUNT_EMAIL to the service account with domain-wide delegation and give the backend Application Default Credentials that hold roles/iam.serviceAccountTokenCreator on it (docs/admin-guide.md). Where keys are allowed: GOOGLE_SERVICE_ACCOUNT_KEY=$(base64 -w0 key.json).',
      ),
    );
    return undefined;
  }
  if (key) {
    add(ok('service account', `${key.client_email} (client id ${key.client_id ?? 'missing'}); google: key`));
    if (serviceAccountEmail) {
      add(
        warn(
          'service account key',
          'a key is configured (GOOGLE_SERVICE_ACCOUNT_KEY): it is used, and GOOGLE_SERVICE_ACCOUNT_EMAIL (keyless) is ignored',
          'Unset GOOGLE_SERVICE_ACCOUNT_KEY to run keyless, then delete the key in Google Cloud › IAM & Admin › Service accounts › Keys.',
        ),
      );
    }
    return delegated;
  }
  const email = delegated.signer.serviceAccountEmail;
  add(ok('service account', `${email}; google: keyless (IAM Credentials signs with its Google-managed key)`));
  const identity = await delegated.signer.identity();
  add(
    identity
      ? ok('backend identity', `Application Default Credentials: ${identity}`)
      : skip(
          'backend identity',
          'Application Default Credentials found no email to show (the test signature below tells whether they work)',
        ),
  );
  const iat = Math.floor(Date.now() / 1000);
  try {
    await delegated.signer.sign({
      iss: email,
      sub: email,
      scope: CALENDAR_SCOPE,
      aud: 'https://oauth2.googleapis.com/token',
      iat,
      exp: iat + 60,
    });
    add(ok('keyless signing', `IAM Credentials signed a test JWT for ${email}`));
  } catch (error) {
    const failure = diagnoseSigningError(error, email, identity);
    add(fail('keyless signing', failure.kind.replaceAll('_', ' '), failure.message));
    return undefined;
  }
  return delegated;
}

async function checkGoogle(config: Config, subjects: string[], add: (result: CheckResult) => void) {
  const delegated = await checkGoogleCredentials(config, add);
  if (!delegated) return;
  const clientId = delegated.signer.clientId ?? CLIENT_ID_HINT;
  const spaceControl = config.meetSpace.enabled;
  if (!spaceControl) {
    add(skip(MEET_CONTROL, "MEET_SPACE_CONTROL=false: rooms keep Google's access settings, no attendance, not restricted at the end"));
  }
  if (subjects.length === 0) {
    add(skip('delegation', 'no solver email to act as: pass --as someone@your-domain, or add an employed solver with a Google email'));
    return;
  }
  const scopes = spaceControl ? [CALENDAR_SCOPE, ...MEET_SPACE_SCOPES] : [CALENDAR_SCOPE];
  const events =
    config.meetEvents &&
    createGoogleWorkspaceEvents({
      delegated,
      url: config.meetEvents.workspaceEventsUrl,
      topic: config.meetEvents.topic,
      timeoutMs: 10_000,
    });
  const calendar = createGoogleCalendar({ delegated, apiUrl: config.google.apiUrl, maxAttempts: 2 });
  const meetSpaces = spaceControl
    ? createGoogleMeetSpaces({ delegated, meetApiUrl: config.google.meetApiUrl, timeoutMs: 10_000 })
    : undefined;
  for (const subject of subjects) {
    const grants = await probeScopes(delegated, subject, scopes);
    if ('error' in grants) {
      const failure = diagnoseCalendarError(grants.error, subject, delegated.signer);
      add(fail(`delegation ${subject}`, 'no token through domain-wide delegation', failure.message));
      continue;
    }
    const calendarGranted = !grants.missing.includes(CALENDAR_SCOPE);
    const meetMissing = grants.missing.filter((scope) => scope !== CALENDAR_SCOPE);
    add(
      !calendarGranted
        ? fail(
            `delegation ${subject}`,
            'no Calendar token through domain-wide delegation',
            `Domain-wide delegation is not granted for ${subject}: in the Google Workspace ${DELEGATION_PAGE} add client ID ${clientId} with scope ${CALENDAR_SCOPE}.`,
          )
        : grants.missing.length === 0 && spaceControl
          ? ok(
              `delegation ${subject}`,
              `a token with all ${scopes.length} scopes (Calendar, Meet settings, Meet readonly) can be minted through domain-wide delegation`,
            )
          : ok(`delegation ${subject}`, 'a Calendar token can be minted through domain-wide delegation'),
    );
    if (spaceControl) {
      add(
        meetMissing.length === 0
          ? ok(MEET_CONTROL, `granted for ${subject} (${MEET_SPACE_SCOPES.map(shortScope).join(', ')})`)
          : warn(MEET_CONTROL, `not granted for ${subject}`, grantMeetScopes(meetMissing, grants.granted, clientId)),
      );
    }
    if (!calendarGranted) continue;
    const readSpace = meetSpaces && meetMissing.length === 0 ? (code: string) => meetSpaces.resolve(subject, code) : undefined;
    const subscribe =
      events && readSpace ? (space: MeetSpace) => checkEventsSubscription(events, config.meetEvents!.topic, subject, space) : undefined;
    for (const result of await checkMeetEvent(calendar, subject, readSpace, subscribe)) add(result);
  }
}

const shortScope = (scope: string) => scope.replace('https://www.googleapis.com/auth/', '');
const WITHOUT_MEET = 'links still work, but customers may have to ask to join and attendance is not shown';

/**
 * The Admin console keeps one comma-separated scope list per client ID, and editing it replaces the list: the fix
 * names the scopes to add and those to keep. The backend asks for both Meet scopes in one token, so one missing
 * scope is enough to turn Meet space control off.
 */
function grantMeetScopes(missing: string[], granted: string[], clientId: string): string {
  const list = granted.length ? `keep ${granted.join(' and ')} in it` : `with ${CALENDAR_SCOPE}`;
  return `add ${missing.join(', ')} to client ID ${clientId} in ${DELEGATION_PAGE} (one comma-separated scope list: ${list}). Without them ${WITHOUT_MEET}.`;
}

async function checkMeetEvent(
  calendar: MeetCalendar,
  subject: string,
  readSpace?: (meetingCode: string) => Promise<MeetSpace>,
  subscribe?: (space: MeetSpace) => Promise<CheckResult>,
): Promise<CheckResult[]> {
  const name = `Calendar + Meet ${subject}`;
  const eventId = `ssdoctor${randomBytes(8).toString('hex')}`;
  const start = new Date();
  let meetLink: string;
  try {
    ({ meetLink } = await calendar.createMeetEvent({
      subject,
      eventId,
      sessionId: 'doctor-check',
      customerName: 'doctor check',
      start,
      end: new Date(start.getTime() + 15 * 60_000),
    }));
  } catch (error) {
    const detail = error instanceof CalendarFailure ? error.kind.replaceAll('_', ' ') : 'the test event failed';
    return [fail(name, detail, reason(error))];
  }
  const results: CheckResult[] = [];
  const meetingCode = meetingCodeOf(meetLink);
  if (readSpace && meetingCode) {
    const { result, space } = await checkMeetApi(readSpace, subject, meetingCode);
    results.push(result);
    if (subscribe && space?.name) results.push(await subscribe(space));
  }
  try {
    await calendar.deleteEvent({ subject, eventId });
    results.unshift(ok(name, `created and deleted a test event with a Meet room (${meetLink})`));
  } catch (error) {
    results.unshift(fail(name, `created a test event with a Meet room (${meetLink}) but could not delete it`, reason(error)));
  }
  return results;
}

async function checkMeetApi(
  readSpace: (meetingCode: string) => Promise<MeetSpace>,
  subject: string,
  meetingCode: string,
): Promise<{ result: CheckResult; space?: MeetSpace }> {
  const name = `Meet REST API ${subject}`;
  try {
    const space = await readSpace(meetingCode);
    return { result: ok(name, `read the test room as ${space.name || 'a space'} (access type ${space.accessType ?? 'not shown'})`), space };
  } catch (error) {
    if (diagnoseMeetError(error).kind === 'api_disabled') {
      return {
        result: warn(
          name,
          "the Google Meet REST API is not enabled in the service account's Cloud project",
          `Enable "Google Meet REST API" in Google Cloud › APIs & Services › Library (the project of the service account). Without it ${WITHOUT_MEET}.`,
        ),
      };
    }
    return {
      result: warn(
        name,
        `could not read the test room (${diagnoseMeetError(error).kind.replaceAll('_', ' ')})`,
        `${diagnoseMeetError(error).message}. Without Meet space control ${WITHOUT_MEET}.`,
      ),
    };
  }
}

const MEET_PUBLISHER = 'meet-api-event-push@system.gserviceaccount.com';
const POLLED = 'until then attendance is polled';

/** The fix for a subscription Google suspended at once: its `suspensionReason` (Workspace Events ErrorType). */
function suspensionFix(suspensionReason: string | undefined, topic: string): string {
  const [, project, name] = /^projects\/([^/]+)\/topics\/(.+)$/.exec(topic) ?? [];
  if (suspensionReason === 'ENDPOINT_NOT_FOUND')
    return `Create the topic in the service account's project: gcloud pubsub topics create ${name} --project=${project} (${POLLED}).`;
  if (suspensionReason === 'ENDPOINT_PERMISSION_DENIED')
    return `Let Google's Meet publisher publish to it: gcloud pubsub topics add-iam-policy-binding ${name} --project=${project} --member=serviceAccount:${MEET_PUBLISHER} --role=roles/pubsub.publisher (${POLLED}).`;
  return `See the subscription's suspensionReason in Google's Workspace Events documentation (${POLLED}).`;
}

/**
 * MEET_ATTENDANCE_SOURCE=events: creates and deletes a Workspace Events subscription on the test room, as a session
 * does, proving that the Workspace Events API is on, the solver's delegation covers it, and Google's Meet publisher
 * can reach MEET_EVENTS_TOPIC (Google suspends a subscription whose topic is missing or closed to it, and says why).
 */
async function checkEventsSubscription(events: WorkspaceEvents, topic: string, subject: string, space: MeetSpace): Promise<CheckResult> {
  const name = `Meet events subscription ${subject}`;
  const target = spaceTarget(space.name);
  let made: SubscriptionResult;
  try {
    made = await events.subscribe(subject, target);
  } catch (error) {
    const status = statusOf(error);
    return fail(
      name,
      `Google refused a test subscription to ${topic} (${status ?? 'no answer'}: ${reason(error)})`,
      status === 400
        ? `Check MEET_EVENTS_TOPIC: an existing topic in the service account's project (${POLLED}).`
        : `Enable "Google Workspace Events API" in Google Cloud › APIs & Services › Library (the service account's project) and keep meetings.space.readonly in the delegation (${POLLED}).`,
    );
  }
  const deleted = await events.unsubscribe(subject, 'name' in made ? made.name : null, target).then(
    () => true,
    () => false,
  );
  const after = deleted ? 'deleted it' : 'could not delete it (Google removes it when it expires, within 7 days)';
  if ('operation' in made)
    return warn(name, `Google is still making the test subscription (${made.operation}); ${after}`, 'Run the doctor again in a minute.');
  if (!made.active)
    return fail(
      name,
      `Google suspended the test subscription to ${topic} at once (${made.suspensionReason ?? 'no reason given'}); ${after}`,
      suspensionFix(made.suspensionReason, topic),
    );
  return deleted
    ? ok(name, `created and deleted a test subscription on ${space.name} to ${topic}`)
    : warn(
        name,
        `created a test subscription on ${space.name} to ${topic} but ${after}`,
        'Check the Workspace Events API quota and try again.',
      );
}

async function checkTwilio(config: Config, options: DoctorOptions, add: (result: CheckResult) => void) {
  if (!config.twilio) {
    add(
      fail(
        'twilio',
        'TWILIO_* is unset: Meet links are not texted to customers',
        'Set TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and TWILIO_FROM_NUMBER (or TWILIO_MESSAGING_SERVICE_SID).',
      ),
    );
    return;
  }
  const sender = config.twilio.messagingServiceSid
    ? `messaging service ${config.twilio.messagingServiceSid}`
    : `from ${config.twilio.fromNumber}`;
  try {
    const status = await fetchTwilioAccountStatus(config.twilio);
    add(
      status === 'active'
        ? ok('twilio', `account ${config.twilio.accountSid} active; sending ${sender}`)
        : fail('twilio', `account ${config.twilio.accountSid} is ${status}`, 'Reactivate the account in the Twilio console.'),
    );
  } catch (error) {
    add(
      fail('twilio', reason(error), 'Check TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN in the Twilio console (Account › API keys & tokens).'),
    );
    return;
  }
  try {
    const verdict = await checkSenderRegistration(config.twilio);
    add({ name: 'twilio sender', ...verdict });
  } catch (error) {
    add(warn('twilio sender', `could not read the sender’s registration (${reason(error)})`, 'Check the sender in the Twilio console.'));
  }
  if (!options.sendTo) {
    add(skip('twilio test SMS', 'not sent (pass --send-to +1… to send one)'));
    return;
  }
  try {
    const { sid } = await createTwilioSender(config.twilio).send({ to: options.sendTo, body: 'SavvySolve Meet doctor: test message.' });
    add(ok('twilio test SMS', `accepted as ${sid}`));
  } catch (error) {
    add(
      fail('twilio test SMS', reason(error), 'Check the sender can message this number (geo permissions, opt-outs, trial restrictions).'),
    );
  }
}

/** `sender`/`content` failures customers met lately (the `sms_alerts` rows): a line only when there are some. */
async function checkSenderAlerts(config: Config, add: (result: CheckResult) => void) {
  if (config.database.kind !== 'postgres') return;
  let handle;
  try {
    handle = await openDatabase(config.database, { migrate: false });
    for (const alert of await recentSenderAlerts(handle.db)) {
      add(fail('SMS sender problem', alert.detail, alert.fix));
    }
  } catch {
    // The database line says why it cannot be read.
  } finally {
    await handle?.close();
  }
}

async function checkAbly(config: Config, add: (result: CheckResult) => void) {
  if (!config.ably) {
    add(
      fail(
        'ably',
        'ABLY_API_KEY is unset: no realtime system messages or live side panel',
        'Create an API key with publish and subscribe capabilities and set ABLY_API_KEY.',
      ),
    );
    return;
  }
  try {
    await createAblyPublisher({ ...config.ably, timeoutMs: 5_000 }).publish('doctor:check', 'doctor', { at: new Date().toISOString() });
    add(ok('ably', `key ${config.ably.apiKey.split(':')[0]} can publish`));
  } catch (error) {
    add(fail('ably', reason(error), 'Check ABLY_API_KEY and that the key has the publish capability.'));
    return;
  }
  await checkAblyRevocation(config.ably, add);
}

/**
 * Revoking a solver's realtime tokens (on disable) needs the key's "revocable tokens" setting (Ably error 40164
 * without it). Revokes the tokens of a client id no solver has, so nothing real is cut off.
 */
async function checkAblyRevocation(ably: NonNullable<Config['ably']>, add: (result: CheckResult) => void) {
  try {
    await createAblyTokenRevoker({ ...ably, timeoutMs: 5_000 }).revokeClient('doctor:check');
    add(ok('ably token revocation', "revocable tokens are on: a disabled solver's live updates end at once"));
  } catch (error) {
    if (error instanceof RevocationNotEnabledError)
      add(
        warn(
          'ably token revocation',
          "revocable tokens are off on this key: a disabled solver's live updates go on until their token expires (up to 10 minutes)",
          'In the Ably dashboard, open the app\'s API keys, edit this key and turn on "Revocable tokens".',
        ),
      );
    else add(fail('ably token revocation', reason(error), 'Check that the key has the capabilities the Ably dashboard lists for it.'));
  }
}

async function checkPublicUrl(config: Config, add: (result: CheckResult) => void) {
  if (!config.publicBaseUrl) {
    add(skip('public URL', 'PUBLIC_BASE_URL unset: Twilio status callbacks are off (SMS state stops at "accepted")'));
    return;
  }
  try {
    const response = await fetch(`${config.publicBaseUrl}/health`, { signal: AbortSignal.timeout(5_000) });
    add(
      response.ok
        ? ok('public URL', `${config.publicBaseUrl}/health answers ${response.status}`)
        : fail(
            'public URL',
            `${config.publicBaseUrl}/health answers ${response.status}`,
            'Point PUBLIC_BASE_URL at the load balancer in front of the backend.',
          ),
    );
  } catch (error) {
    add(
      fail(
        'public URL',
        `${config.publicBaseUrl} does not answer (${reason(error)})`,
        'Point PUBLIC_BASE_URL at the public address of the backend, reachable by Twilio.',
      ),
    );
  }
}

/**
 * MEET_ATTENDANCE_SOURCE=events only (nothing is said otherwise): the push audience against PUBLIC_BASE_URL, Google's
 * ID-token certificates reachable, and a reminder of what the doctor cannot see from here.
 */
async function checkMeetEvents(config: Config, add: (result: CheckResult) => void) {
  const events = config.meetEvents;
  if (!events) return;
  const expected = config.publicBaseUrl ? `${config.publicBaseUrl}${MEET_EVENTS_PUSH_PATH}` : undefined;
  add(
    expected && events.pushAudience !== expected
      ? warn(
          'Meet events audience',
          `PUBSUB_PUSH_AUDIENCE is ${events.pushAudience}, not ${expected}`,
          "Make the push subscription's --push-auth-token-audience exactly PUBSUB_PUSH_AUDIENCE, or unset PUBSUB_PUSH_AUDIENCE.",
        )
      : ok('Meet events audience', `push tokens must be for ${events.pushAudience}, from ${events.pushServiceAccount}`),
  );
  const certsUrl = `${config.google.apiUrl}/oauth2/v1/certs`;
  try {
    const response = await fetch(certsUrl, { signal: AbortSignal.timeout(5_000) });
    // Google's v1 certificates: { kid: PEM }.
    const body = response.ok ? ((await response.json().catch(() => ({}))) as Record<string, unknown>) : {};
    const keys = Object.values(body).filter((value) => typeof value === 'string' && value.includes('-----BEGIN')).length;
    add(
      keys > 0
        ? ok('Meet events certificates', `${certsUrl} serves ${keys} key(s)`)
        : fail(
            'Meet events certificates',
            `${certsUrl} answers ${response.status} without certificates`,
            'Check GOOGLE_API_URL and the egress to it.',
          ),
    );
  } catch (error) {
    add(fail('Meet events certificates', `${certsUrl} does not answer (${reason(error)})`, 'Check GOOGLE_API_URL and the egress to it.'));
  }
  add(
    skip(
      'Meet events set-up',
      `not checked from here: the push subscription on ${events.topic} (endpoint, OIDC service account, audience) and roles/pubsub.publisher on it for Google's Meet publisher (docs/admin-guide.md)`,
    ),
  );
}
