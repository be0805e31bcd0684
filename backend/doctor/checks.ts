import { randomBytes } from 'node:crypto';
import { and, eq, isNotNull } from 'drizzle-orm';
import { countPendingMigrations, openDatabase } from '../db/client.ts';
import { solvers } from '../db/schema.ts';
import type { Config } from '../env.ts';
import { CalendarFailure } from '../meet/calendar-failure.ts';
import { createGoogleCalendar, type MeetCalendar } from '../meet/google-calendar.ts';
import { createAblyPublisher } from '../realtime/ably-publisher.ts';
import { createTwilioSender, fetchTwilioAccountStatus } from '../sms/twilio-sender.ts';

export type CheckStatus = 'ok' | 'fail' | 'skip';
export type CheckResult = { status: CheckStatus; name: string; detail: string; fix?: string };
export type DoctorOptions = {
  /** Solver emails to check delegation and Calendar for; default: every employed solver with a Google email. */
  as?: string[];
  /** Send one real test SMS to this number. */
  sendTo?: string;
};

const ok = (name: string, detail: string): CheckResult => ({ status: 'ok', name, detail });
const fail = (name: string, detail: string, fix: string): CheckResult => ({ status: 'fail', name, detail, fix });
const skip = (name: string, detail: string): CheckResult => ({ status: 'skip', name, detail });
const reason = (error: unknown) => (error instanceof Error ? error.message : String(error));

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
  await checkAbly(config, add);
  await checkPublicUrl(config, add);
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

async function checkGoogle(config: Config, subjects: string[], add: (result: CheckResult) => void) {
  const account = config.google.serviceAccount;
  if (!account) {
    add(
      fail(
        'service account',
        'GOOGLE_SERVICE_ACCOUNT_KEY is unset: Google Meet integration not configured',
        'Create a service account with domain-wide delegation, download its JSON key and set GOOGLE_SERVICE_ACCOUNT_KEY=$(base64 -w0 key.json).',
      ),
    );
    return;
  }
  add(ok('service account', `${account.client_email} (client id ${account.client_id ?? 'missing'})`));
  if (subjects.length === 0) {
    add(skip('delegation', 'no solver email to act as: pass --as someone@your-domain, or add an employed solver with a Google email'));
    return;
  }
  const calendar = createGoogleCalendar({
    serviceAccount: account,
    oauthUrl: config.google.oauthUrl,
    apiUrl: config.google.apiUrl,
    maxAttempts: 2,
  });
  for (const subject of subjects) {
    try {
      await calendar.checkDelegation(subject);
      add(ok(`delegation ${subject}`, 'a Calendar token can be minted through domain-wide delegation'));
    } catch (error) {
      add(fail(`delegation ${subject}`, 'no token through domain-wide delegation', reason(error)));
      continue;
    }
    add(await checkMeetEvent(calendar, subject));
  }
}

async function checkMeetEvent(calendar: MeetCalendar, subject: string): Promise<CheckResult> {
  const name = `Calendar + Meet ${subject}`;
  const eventId = `ssdoctor${randomBytes(8).toString('hex')}`;
  const start = new Date();
  try {
    const { meetLink } = await calendar.createMeetEvent({
      subject,
      eventId,
      sessionId: 'doctor-check',
      customerName: 'doctor check',
      start,
      end: new Date(start.getTime() + 15 * 60_000),
    });
    await calendar.deleteEvent({ subject, eventId });
    return ok(name, `created and deleted a test event with a Meet room (${meetLink})`);
  } catch (error) {
    const detail = error instanceof CalendarFailure ? error.kind.replaceAll('_', ' ') : 'the test event failed';
    return fail(name, detail, reason(error));
  }
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
