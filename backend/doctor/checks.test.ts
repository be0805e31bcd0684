import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  createTestServiceAccount,
  startEmulators,
  startAblyEmulator,
  startSavvySolveHostEmulator,
  useEmulatedAdc,
  type Emulators,
  type SavvySolveHostEmulator,
} from '../../test/emulators/index.ts';
import { createScratchDatabase, postgresAvailable, warnPostgresSkipped } from '../../test/support/postgres.ts';
import { openDatabase } from '../db/client.ts';
import { smsAlerts } from '../db/schema.ts';
import { loadConfig } from '../env.ts';
import { runDoctor, type CheckResult, type DoctorOptions } from './checks.ts';

// The doctor against the emulators: healthy, then each fault it diagnoses.
let emulators: Emulators;
let host: SavvySolveHostEmulator;
const WEBHOOK_SECRET = `whsec_${Buffer.from('doctor-webhook-secret-of-32-bytes').toString('base64')}`;
let publicServer: Server;
let publicUrl: string;
let database: { url: string; drop(): Promise<void> } | undefined;
const MIGRATION_COUNT = (
  JSON.parse(readFileSync(new URL('../db/migrations/meta/_journal.json', import.meta.url), 'utf8')) as { entries: unknown[] }
).entries.length;
const hasPostgres = await postgresAvailable();
if (!hasPostgres) warnPostgresSkipped('doctor: database checks on a real server');

beforeAll(async () => {
  emulators = await startEmulators({ delegatedUsers: ['ada@example.com'] });
  host = await startSavvySolveHostEmulator({ secret: WEBHOOK_SECRET, apiToken: 'savvysolve-api-token' });
  publicServer = createServer((_request, response) => response.writeHead(200).end('{"status":"ok"}'));
  await new Promise<void>((resolve) => publicServer.listen(0, '127.0.0.1', resolve));
  publicUrl = `http://127.0.0.1:${(publicServer.address() as { port: number }).port}`;
  if (hasPostgres) {
    database = await createScratchDatabase();
    await (await openDatabase({ kind: 'postgres', url: database.url })).close();
  }
});
afterAll(async () => {
  await emulators?.close();
  await host?.close();
  await new Promise((resolve) => publicServer?.close(resolve));
  await database?.drop();
});
beforeEach(() => emulators.reset());

const healthyEnv = () => ({
  ...emulators.backendEnv,
  GOOGLE_OAUTH_CLIENT_IDS: 'ext.apps.googleusercontent.com',
  PUBLIC_BASE_URL: publicUrl,
  SESSION_SECRET: 'doctor-session-secret-0123456789abcdef',
  ADMIN_API_TOKEN: 'doctor-admin-token-0123',
  SAVVYSOLVE_WEBHOOK_SECRET: WEBHOOK_SECRET,
  SAVVYSOLVE_API_URL: host.apiUrl,
  SAVVYSOLVE_API_TOKEN: 'savvysolve-api-token',
  SAVVYSOLVE_EVENTS_URL: host.eventsUrl,
  ...(database ? { DATABASE_URL: database.url } : { PGLITE_DATA_DIR: 'memory://' }),
});
const doctor = (env: Record<string, string>, options: DoctorOptions = { as: ['ada@example.com'] }) =>
  runDoctor(loadConfig(env), options, () => {});
const find = (results: CheckResult[], name: string) => results.find((result) => result.name === name);
const CALENDAR = 'https://www.googleapis.com/auth/calendar';
const SETTINGS = 'https://www.googleapis.com/auth/meetings.space.settings';
const READONLY = 'https://www.googleapis.com/auth/meetings.space.readonly';
const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
/** The `scope` claim of a JWT-bearer assertion, as the token exchange received it. */
const scopesOf = (assertion: string) =>
  String((JSON.parse(Buffer.from(assertion.split('.')[1]!, 'base64url').toString('utf8')) as { scope?: string }).scope ?? '').split(' ');

describe('npm run doctor', () => {
  it('passes a healthy deployment, creating and deleting one throwaway Meet event', async () => {
    const results = await doctor(healthyEnv());
    expect(results.filter((result) => result.status === 'fail')).toEqual([]);
    expect(results.map((result) => `${result.status} ${result.name}`)).toEqual([
      `${database ? 'ok' : 'skip'} database`,
      'ok sign-in',
      'ok service account',
      'ok delegation ada@example.com',
      'ok Meet space control',
      'ok Calendar + Meet ada@example.com',
      'ok Meet REST API ada@example.com',
      'ok twilio',
      'ok twilio sender',
      'skip twilio test SMS',
      'ok ably',
      'ok ably token revocation',
      'ok session secret',
      'ok admin API',
      'ok SavvySolve webhooks',
      'ok SavvySolve API',
      'ok SavvySolve events',
      'ok public URL',
    ]);
    expect(host.events().map((event) => [event.type, event.signatureValid])).toEqual([['doctor.ping', true]]);
    expect(emulators.ably.requests('revokeTokens').map((request) => request.body)).toEqual([{ targets: ['clientId:doctor:check'] }]);
    expect(emulators.google.calendar.events('ada@example.com').map((event) => event.status)).toEqual(['cancelled']);
    expect(emulators.twilio.messages()).toHaveLength(0);
  });

  it('warns when the Ably key cannot revoke tokens, and says where to turn it on', async () => {
    const fixedKey = await startAblyEmulator({ key: emulators.backendEnv.ABLY_API_KEY, revocableTokens: false });
    try {
      const results = await doctor({ ...healthyEnv(), ABLY_REST_URL: fixedKey.url }, { as: [] });
      expect(find(results, 'ably')?.status).toBe('ok');
      expect(find(results, 'ably token revocation')).toMatchObject({
        status: 'warn',
        detail: expect.stringMatching(/up to 10 minutes/),
        fix: expect.stringMatching(/Revocable tokens/),
      });
    } finally {
      await fixedKey.close();
    }
  });

  it('with Meet events on, checks the push audience and the certificates, and says what it cannot see', async () => {
    const events = {
      MEET_ATTENDANCE_SOURCE: 'events',
      MEET_EVENTS_TOPIC: 'projects/emulated-project/topics/meet-events',
      PUBSUB_PUSH_SERVICE_ACCOUNT: 'push@emulated-project.iam.gserviceaccount.com',
    };
    const results = await doctor({ ...healthyEnv(), ...events }, { as: [] });
    expect(results.filter((result) => result.name.startsWith('Meet events')).map((result) => `${result.status} ${result.name}`)).toEqual([
      'ok Meet events audience',
      'ok Meet events certificates',
      'skip Meet events set-up',
    ]);
    expect(find(results, 'Meet events set-up')?.detail).toMatch(/roles\/pubsub.publisher/);
    const elsewhere = await doctor({ ...healthyEnv(), ...events, PUBSUB_PUSH_AUDIENCE: 'https://old.example/hook' }, { as: [] });
    expect(find(elsewhere, 'Meet events audience')).toMatchObject({
      status: 'warn',
      fix: expect.stringMatching(/push-auth-token-audience/),
    });
    const noCerts = await doctor({ ...healthyEnv(), ...events, GOOGLE_API_URL: publicUrl }, { as: [] });
    expect(find(noCerts, 'Meet events certificates')?.status).toBe('fail');
  });

  it('with Meet events on, creates and deletes a test subscription on the test room, and names a broken topic', async () => {
    const topic = 'projects/emulated-project/topics/meet-events';
    const env = {
      ...healthyEnv(),
      MEET_ATTENDANCE_SOURCE: 'events',
      MEET_EVENTS_TOPIC: topic,
      PUBSUB_PUSH_SERVICE_ACCOUNT: 'push@emulated-project.iam.gserviceaccount.com',
    };
    const subscriptionCheck = 'Meet events subscription ada@example.com';
    const created = () => emulators.google.requests('subscriptions.create').length;
    const deleted = () => emulators.google.requests('subscriptions.delete').length;

    const healthy = find(await doctor(env), subscriptionCheck);
    expect(healthy).toMatchObject({
      status: 'ok',
      detail: expect.stringMatching(/^created and deleted a test subscription on spaces\/\S+ to projects\//),
    });
    expect([created(), deleted(), emulators.google.workspaceEvents.subscriptions()]).toEqual([1, 1, []]);

    emulators.google.workspaceEvents.setTopic(topic, 'ENDPOINT_PERMISSION_DENIED');
    expect(find(await doctor(env), subscriptionCheck)).toMatchObject({
      status: 'fail',
      detail: expect.stringContaining('(ENDPOINT_PERMISSION_DENIED); deleted it'),
      fix: expect.stringMatching(
        /add-iam-policy-binding meet-events --project=emulated-project --member=serviceAccount:meet-api-event-push@system\.gserviceaccount\.com --role=roles\/pubsub\.publisher/,
      ),
    });
    emulators.google.workspaceEvents.setTopic(topic, 'ENDPOINT_NOT_FOUND');
    expect(find(await doctor(env), subscriptionCheck)).toMatchObject({
      status: 'fail',
      fix: expect.stringContaining('gcloud pubsub topics create meet-events --project=emulated-project'),
    });
    expect([created(), deleted(), emulators.google.workspaceEvents.subscriptions()]).toEqual([3, 3, []]);

    // A solver whose delegation lacks the Meet scopes gets no test subscription (the Meet checks already warn).
    emulators.google.setDelegation('ada@example.com', [CALENDAR]);
    const calendarOnly = await doctor(env);
    expect(find(calendarOnly, subscriptionCheck)).toBeUndefined();
    expect(created()).toBe(3);
  });

  it('sends one test SMS only when asked', async () => {
    const results = await doctor(healthyEnv(), { as: ['ada@example.com'], sendTo: '+14155550100' });
    expect(find(results, 'twilio test SMS')?.status).toBe('ok');
    expect(emulators.twilio.messages().map((message) => message.to)).toEqual(['+14155550100']);
  });

  it.each([
    [
      'delegation not granted',
      () => ({ env: healthyEnv(), options: { as: ['mallory@example.com'] } }),
      'delegation mallory@example.com',
      /Domain-wide delegation is not granted for mallory@example\.com.*client ID \d+ with scope https:\/\/www\.googleapis\.com\/auth\/calendar/,
    ],
    [
      'a key Google does not know',
      () => ({ env: { ...healthyEnv(), GOOGLE_SERVICE_ACCOUNT_KEY: createTestServiceAccount().base64 } }),
      'delegation ada@example.com',
      /invalid_grant/,
    ],
    [
      'Meet refused ("Invalid conference type value")',
      () => {
        emulators.google.setConferenceTypeAllowed(false);
        return { env: healthyEnv() };
      },
      'Calendar + Meet ada@example.com',
      /Invalid conference type value/,
    ],
    [
      'a wrong Twilio token',
      () => ({ env: { ...healthyEnv(), TWILIO_AUTH_TOKEN: 'wrong-token' } }),
      'twilio',
      /Twilio refused the credentials \(HTTP 401\)/,
    ],
    ['a wrong Ably key', () => ({ env: { ...healthyEnv(), ABLY_API_KEY: 'emu.test:wrong' } }), 'ably', /Check ABLY_API_KEY/],
    [
      'an unreachable PUBLIC_BASE_URL',
      () => ({ env: { ...healthyEnv(), PUBLIC_BASE_URL: 'http://127.0.0.1:9' } }),
      'public URL',
      /PUBLIC_BASE_URL/,
    ],
    ['no OAuth client id', () => ({ env: { ...healthyEnv(), GOOGLE_OAUTH_CLIENT_IDS: '' } }), 'sign-in', /extension's OAuth client id/],
    [
      'no service-account key',
      () => ({ env: { ...healthyEnv(), GOOGLE_SERVICE_ACCOUNT_KEY: '' } }),
      'service account',
      /base64 -w0 key\.json/,
    ],
    [
      'a SavvySolve API token the app refuses',
      () => ({ env: { ...healthyEnv(), SAVVYSOLVE_API_TOKEN: 'wrong' } }),
      'SavvySolve API',
      /SAVVYSOLVE_API_TOKEN/,
    ],
    [
      'a webhook secret the app does not hold',
      () => ({
        env: {
          ...healthyEnv(),
          SAVVYSOLVE_WEBHOOK_SECRET: `whsec_${Buffer.from('another-webhook-secret-of-32-bytes').toString('base64')}`,
        },
      }),
      'SavvySolve events',
      /refused the signature \(401\).*same SAVVYSOLVE_WEBHOOK_SECRET/,
    ],
    [
      'an unreachable events URL',
      () => ({ env: { ...healthyEnv(), SAVVYSOLVE_EVENTS_URL: 'http://127.0.0.1:9/events' } }),
      'SavvySolve events',
      /does not answer/,
    ],
    [
      'an unreachable database',
      () => ({ env: { ...healthyEnv(), DATABASE_URL: 'postgres://postgres@127.0.0.1:9/none' } }),
      'database',
      /Check the host/,
    ],
  ])('diagnoses %s', async (_case, setup, name, fix) => {
    const { env, options } = setup() as { env: Record<string, string>; options?: DoctorOptions };
    const results = await doctor(env, options);
    const result = find(results, name);
    expect(result?.status).toBe('fail');
    expect(`${result?.detail} ${result?.fix}`).toMatch(fix);
    expect(results.filter((other) => other.status === 'fail')).toHaveLength(1);
  });

  it('warns, with the consequence, about each app setting left unset', async () => {
    const env: Record<string, string> = { ...healthyEnv() };
    for (const name of ['SESSION_SECRET', 'ADMIN_API_TOKEN', 'SAVVYSOLVE_WEBHOOK_SECRET', 'SAVVYSOLVE_API_URL', 'SAVVYSOLVE_EVENTS_URL'])
      delete env[name];
    const results = await doctor(env);
    const names = ['session secret', 'admin API', 'SavvySolve webhooks', 'SavvySolve API', 'SavvySolve events'];
    expect(names.map((name) => find(results, name)?.status)).toEqual(Array(5).fill('warn'));
    expect(find(results, 'session secret')?.detail).toMatch(/a restart signs solvers out/);
    expect(find(results, 'SavvySolve webhooks')?.detail).toMatch(/\/webhooks\/savvysolve answers 404/);
    expect(results.filter((result) => result.status === 'fail')).toEqual([]);
  });

  describe('can this sender text US customers?', () => {
    const SERVICE = 'MG' + '5a'.repeat(16);
    const TOLL_FREE = '+18885550100';
    const LONG_CODE = '+14155550100';
    const sender = async (env: Record<string, string>) => find(await doctor(env), 'twilio sender');

    it.each([
      ['VERIFIED', 'ok', /campaign verified/],
      ['IN_PROGRESS', 'warn', /campaign in progress; US carriers block its texts until it is verified/],
      ['FAILED', 'fail', /failed vetting.*30034/],
      [undefined, 'warn', /has no A2P 10DLC campaign/],
    ])('a Messaging Service whose A2P 10DLC campaign is %s: %s', async (campaignStatus, status, detail) => {
      emulators.twilio.setSenders({ numbers: [], services: [{ sid: SERVICE, phoneNumbers: [], campaignStatus }] });
      const result = await sender({ ...healthyEnv(), TWILIO_FROM_NUMBER: '', TWILIO_MESSAGING_SERVICE_SID: SERVICE });
      expect(result).toMatchObject({ status, detail: expect.stringMatching(detail) });
      if (status !== 'ok') expect(result?.fix).toMatch(/A2P 10DLC|vetting/);
      expect(emulators.twilio.requests('usAppToPerson.list').at(-1)?.path).toBe(`/v1/Services/${SERVICE}/Compliance/Usa2p`);
    });

    it.each([
      ['TWILIO_APPROVED', 'ok', /is verified/],
      ['PENDING_REVIEW', 'warn', /verification pending review.*30032/],
      ['TWILIO_REJECTED', 'fail', /verification rejected/],
      [undefined, 'fail', /is not verified: US carriers block its texts \(error 30032\)/],
    ] as const)('a toll-free TWILIO_FROM_NUMBER whose verification is %s: %s', async (tollfreeVerification, status, detail) => {
      emulators.twilio.setSenders({ numbers: [{ phoneNumber: TOLL_FREE, tollfreeVerification }], services: [] });
      const result = await sender({ ...healthyEnv(), TWILIO_FROM_NUMBER: TOLL_FREE });
      expect(result).toMatchObject({ status, detail: expect.stringMatching(detail) });
      if (status !== 'ok') expect(result?.fix).toMatch(/Toll-free verifications/);
      expect(emulators.twilio.requests('incomingPhoneNumbers.list').at(-1)?.query).toMatchObject({ PhoneNumber: TOLL_FREE });
    });

    it('a long code in no registered campaign: a warning that US carriers will block it, with the fix', async () => {
      emulators.twilio.setSenders({
        numbers: [{ phoneNumber: LONG_CODE }],
        services: [{ sid: SERVICE, phoneNumbers: [LONG_CODE], campaignStatus: 'IN_PROGRESS' }],
      });
      const results = await doctor({ ...healthyEnv(), TWILIO_FROM_NUMBER: LONG_CODE });
      expect(find(results, 'twilio sender')).toMatchObject({
        status: 'warn',
        detail: `${LONG_CODE} is not in any registered A2P 10DLC campaign: US carriers will block its texts (error 30034)`,
        fix: expect.stringContaining('Register an A2P 10DLC brand and campaign'),
      });
      expect(results.filter((result) => result.status === 'fail')).toEqual([]);
    });

    it('a number the account does not own fails', async () => {
      emulators.twilio.setSenders({ numbers: [], services: [] });
      expect(await sender({ ...healthyEnv(), TWILIO_FROM_NUMBER: LONG_CODE })).toMatchObject({
        status: 'fail',
        fix: expect.stringContaining('Active numbers'),
      });
    });

    it.runIf(hasPostgres)('reports the sender problems customers met in the last day, with the fix', async () => {
      const handle = await openDatabase({ kind: 'postgres', url: database!.url });
      try {
        await handle.db
          .insert(smsAlerts)
          .values({ errorCode: '30034', lastAlertedAt: new Date(), error: 'Our texting number is not registered.' });
        const results = await doctor(healthyEnv());
        expect(find(results, 'SMS sender problem')).toMatchObject({
          status: 'fail',
          detail: expect.stringContaining('Twilio error 30034'),
          fix: expect.stringContaining('A2P 10DLC'),
        });
      } finally {
        await handle.db.delete(smsAlerts);
        await handle.close();
      }
    });
  });

  describe('Meet space control scopes', () => {
    const meetSpace = (results: CheckResult[]) => find(results, 'Meet space control');
    const failures = (results: CheckResult[]) => results.filter((result) => result.status === 'fail');
    let CLIENT_ID: string;
    beforeEach(() => void (CLIENT_ID = emulators.serviceAccount.clientId));

    it('names both Meet scopes when the Admin console grants Calendar only, as a warning', async () => {
      emulators.google.setDelegation('ada@example.com', [CALENDAR]);
      const results = await doctor(healthyEnv());
      expect(failures(results)).toEqual([]);
      expect(find(results, 'delegation ada@example.com')).toMatchObject({
        status: 'ok',
        detail: 'a Calendar token can be minted through domain-wide delegation',
      });
      expect(meetSpace(results)).toEqual({
        status: 'warn',
        name: 'Meet space control',
        detail: 'not granted for ada@example.com',
        fix: `add ${SETTINGS}, ${READONLY} to client ID ${CLIENT_ID} in Admin console › Security › Access and data control › API controls › Domain-wide delegation (one comma-separated scope list: keep ${CALENDAR} in it). Without them links still work, but customers may have to ask to join and attendance is not shown.`,
      });
      // Link creation still works; the Meet API is not tried without its scopes.
      expect(find(results, 'Calendar + Meet ada@example.com')?.status).toBe('ok');
      expect(find(results, 'Meet REST API ada@example.com')).toBeUndefined();
      expect(emulators.google.requests('spaces.get')).toHaveLength(0);
    });

    it('names only the scope still missing', async () => {
      emulators.google.setDelegation('ada@example.com', [CALENDAR, SETTINGS]);
      const fix = meetSpace(await doctor(healthyEnv()))?.fix ?? '';
      expect(fix).toMatch(new RegExp(`^add ${escape(READONLY)} to client ID`));
      expect(fix).toContain(`keep ${CALENDAR} and ${SETTINGS} in it`);
    });

    it('fails on Calendar alone when only the Meet scopes are granted', async () => {
      emulators.google.setDelegation('ada@example.com', [SETTINGS, READONLY]);
      const results = await doctor(healthyEnv());
      expect(failures(results).map((result) => result.name)).toEqual(['delegation ada@example.com']);
      expect(find(results, 'delegation ada@example.com')?.fix).toMatch(
        new RegExp(
          `Domain-wide delegation is not granted for ada@example\\.com: .* add client ID ${CLIENT_ID} with scope ${escape(CALENDAR)}\\.$`,
        ),
      );
      expect(meetSpace(results)).toMatchObject({
        status: 'ok',
        detail: 'granted for ada@example.com (meetings.space.settings, meetings.space.readonly)',
      });
      expect(find(results, 'Calendar + Meet ada@example.com')).toBeUndefined();
    });

    it('warns about Meet and fails Calendar for a user without any delegation', async () => {
      const results = await doctor(healthyEnv(), { as: ['mallory@example.com'] });
      expect(failures(results).map((result) => result.name)).toEqual(['delegation mallory@example.com']);
      expect(meetSpace(results)).toMatchObject({ status: 'warn', detail: 'not granted for mallory@example.com' });
      expect(meetSpace(results)?.fix).toContain(`(one comma-separated scope list: with ${CALENDAR})`);
    });

    it('skips Meet with MEET_SPACE_CONTROL=false, asking for the Calendar scope only', async () => {
      emulators.google.setDelegation('ada@example.com', [CALENDAR]);
      const results = await doctor({ ...healthyEnv(), MEET_SPACE_CONTROL: 'false' });
      expect(failures(results)).toEqual([]);
      expect(results.filter((result) => result.status === 'warn')).toEqual([]);
      expect(meetSpace(results)).toMatchObject({ status: 'skip', detail: expect.stringMatching(/^MEET_SPACE_CONTROL=false/) });
      const asked = emulators.google.requests('token').map((request) => scopesOf(String(request.body.assertion)));
      expect(new Set(asked.flat())).toEqual(new Set([CALENDAR]));
    });

    it('asks for every scope in one token first, and each alone only after a refusal', async () => {
      await doctor(healthyEnv());
      const first = emulators.google.requests('token').map((request) => scopesOf(String(request.body.assertion)));
      expect(first[0]).toEqual([CALENDAR, SETTINGS, READONLY]);
      // Then Calendar's own token (the test event) and Meet's (the test room); no scope is probed alone.
      expect(first.map((scopes) => scopes.join(' '))).toEqual([
        [CALENDAR, SETTINGS, READONLY].join(' '),
        CALENDAR,
        `${SETTINGS} ${READONLY}`,
      ]);
      emulators.google.reset();
      emulators.google.setDelegation('ada@example.com', [CALENDAR]);
      await doctor(healthyEnv());
      const second = emulators.google.requests('token').map((request) => scopesOf(String(request.body.assertion)));
      expect(
        second
          .slice(0, 4)
          .map((scopes) => scopes.join(' '))
          .sort(),
      ).toEqual([[CALENDAR, SETTINGS, READONLY].join(' '), CALENDAR, SETTINGS, READONLY].sort());
    });

    it('warns when the Meet REST API is not enabled in the Cloud project', async () => {
      emulators.google.faults.set('spaces.get', {
        status: 403,
        body: {
          error: {
            code: 403,
            message: 'Google Meet REST API has not been used in project 1234 before or it is disabled.',
            status: 'PERMISSION_DENIED',
            details: [{ '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'SERVICE_DISABLED', domain: 'googleapis.com' }],
          },
        },
      });
      const results = await doctor(healthyEnv());
      expect(failures(results)).toEqual([]);
      expect(find(results, 'Meet REST API ada@example.com')).toMatchObject({
        status: 'warn',
        detail: "the Google Meet REST API is not enabled in the service account's Cloud project",
        fix: expect.stringContaining('Enable "Google Meet REST API" in Google Cloud › APIs & Services › Library'),
      });
      expect(emulators.google.calendar.events('ada@example.com').map((event) => event.status)).toEqual(['cancelled']);
    });
  });

  describe("keyless (IAM Credentials signs, the backend runs as the metadata server's account)", () => {
    let restore: () => void;
    beforeAll(() => void (restore = useEmulatedAdc(emulators.adcEnv)));
    afterAll(() => restore?.());
    const keylessEnv = (): Record<string, string> => {
      const { GOOGLE_SERVICE_ACCOUNT_KEY: _key, ...env } = healthyEnv();
      return { ...env, ...emulators.keylessBackendEnv };
    };
    const backend = (): string => emulators.google.iam.attachedServiceAccount;
    const delegatedAccount = (): string => emulators.serviceAccount.clientEmail;

    it('passes: names the mode and the backend identity, signs a test JWT and exchanges one for the test user', async () => {
      const results = await doctor(keylessEnv());
      expect(results.filter((result) => result.status === 'fail')).toEqual([]);
      expect(results.slice(2, 7).map((result) => `${result.status} ${result.name}: ${result.detail}`)).toEqual([
        `ok service account: ${delegatedAccount()}; google: keyless (IAM Credentials signs with its Google-managed key)`,
        `ok backend identity: Application Default Credentials: ${backend()}`,
        `ok keyless signing: IAM Credentials signed a test JWT for ${delegatedAccount()}`,
        'ok delegation ada@example.com: a token with all 3 scopes (Calendar, Meet settings, Meet readonly) can be minted through domain-wide delegation',
        'ok Meet space control: granted for ada@example.com (meetings.space.settings, meetings.space.readonly)',
      ]);
      expect(find(results, 'Calendar + Meet ada@example.com')?.status).toBe('ok');
      expect(emulators.google.requests('signJwt').length).toBeGreaterThanOrEqual(2);
    });

    it('warns that a key is configured when both are set (the key is used)', async () => {
      const results = await doctor({ ...healthyEnv(), GOOGLE_SERVICE_ACCOUNT_EMAIL: delegatedAccount() });
      expect(find(results, 'service account key')).toMatchObject({
        status: 'warn',
        detail: expect.stringContaining('a key is configured'),
      });
      expect(find(results, 'service account')?.detail).toContain('google: key');
      expect(emulators.google.requests('signJwt')).toHaveLength(0);
    });

    type SigningCase = { name: string; breakIt(): void; env?: Record<string, string>; fix(): string };
    const signingCases: SigningCase[] = [
      {
        name: 'Token Creator not granted',
        breakIt: () => emulators.google.iam.setTokenCreator(delegatedAccount(), false),
        fix: () => `grant roles/iam.serviceAccountTokenCreator (Service Account Token Creator) on ${delegatedAccount()} to ${backend()}`,
      },
      {
        name: 'an unknown service account',
        breakIt: () => {},
        env: { GOOGLE_SERVICE_ACCOUNT_EMAIL: 'nobody@emulated-project.iam.gserviceaccount.com' },
        fix: () => 'The service account nobody@emulated-project.iam.gserviceaccount.com does not exist',
      },
      {
        name: 'the IAM Credentials API disabled',
        breakIt: () => emulators.google.iam.setIamCredentialsEnabled(false),
        fix: () => 'enable "IAM Service Account Credentials API" (iamcredentials.googleapis.com)',
      },
    ];
    it.each(signingCases)('diagnoses $name, with the fix', async ({ breakIt, env = {}, fix }) => {
      breakIt();
      const results = await doctor({ ...keylessEnv(), ...env });
      expect(results.filter((result) => result.status === 'fail').map((result) => result.name)).toEqual(['keyless signing']);
      expect(find(results, 'keyless signing')?.fix).toContain(fix());
    });

    it('diagnoses no Application Default Credentials at all', async () => {
      const noAdc = useEmulatedAdc({ ...emulators.adcEnv, METADATA_SERVER_DETECTION: 'none' as 'assume-present' });
      try {
        const results = await doctor(keylessEnv());
        expect(find(results, 'backend identity')?.status).toBe('skip');
        expect(find(results, 'keyless signing')).toMatchObject({ status: 'fail', detail: 'no adc' });
        expect(find(results, 'keyless signing')?.fix).toMatch(/GOOGLE_APPLICATION_CREDENTIALS.*gcloud auth application-default login/);
      } finally {
        noAdc();
      }
    });

    it("names the Admin console's delegation when the exchange says unauthorized_client", async () => {
      const results = await doctor(keylessEnv(), { as: ['mallory@example.com'] });
      expect(find(results, 'keyless signing')?.status).toBe('ok');
      expect(find(results, 'delegation mallory@example.com')?.fix).toMatch(
        /Domain-wide delegation is not granted for mallory@example\.com.*the service account's client ID \(Google Cloud › IAM & Admin › Service accounts/,
      );
    });
  });

  it.skipIf(!hasPostgres)('diagnoses a database that was never migrated', async () => {
    const empty = await createScratchDatabase();
    try {
      const results = await doctor({ ...healthyEnv(), DATABASE_URL: empty.url });
      expect(find(results, 'database')).toMatchObject({
        status: 'fail',
        detail: `Postgres reachable, ${MIGRATION_COUNT} migration(s) not applied`,
      });
    } finally {
      await empty.drop();
    }
  });

  it('exits 0 with a warning when only the Meet scopes are missing', async () => {
    emulators.google.setDelegation('ada@example.com', [CALENDAR]);
    const child = spawn(process.execPath, ['--import', 'tsx', 'backend/doctor/cli.ts', '--as', 'ada@example.com'], {
      env: { PATH: process.env.PATH ?? '', ...healthyEnv() },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
    expect(await new Promise((resolve) => child.once('exit', resolve))).toBe(0);
    expect(out).toContain(
      '! Meet space control: not granted for ada@example.com\n    fix: add https://www.googleapis.com/auth/meetings.space.settings',
    );
    expect(out).toContain('No problem found; 1 warning(s)');
  }, 30_000);

  it('exits non-zero, listing the problems, when the configuration does not parse', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'backend/doctor/cli.ts'], {
      env: { PATH: process.env.PATH ?? '', TWILIO_ACCOUNT_SID: 'AC1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
    expect(await new Promise((resolve) => child.once('exit', resolve))).toBe(1);
    expect(out).toContain('✘ configuration');
    expect(out).toContain('TWILIO_ACCOUNT_SID: SMS needs');
  }, 30_000);
});
