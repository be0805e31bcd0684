import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './env.ts';

const serviceAccountBase64 = Buffer.from(
  JSON.stringify({
    type: 'service_account',
    client_email: 'meet@proj.iam.gserviceaccount.com',
    private_key: '-----BEGIN PRIVATE KEY-----\nx\n-----END PRIVATE KEY-----\n',
    client_id: '123',
  }),
).toString('base64');

describe('loadConfig', () => {
  it('defaults to embedded PGlite on port 8787 with every integration off', () => {
    const config = loadConfig({});
    expect(config.port).toBe(8787);
    expect(config.database).toEqual({ kind: 'pglite', dataDir: '.data/pglite' });
    expect(config.google.serviceAccount).toBeUndefined();
    expect(config.google.oauthUrl).toBe('https://oauth2.googleapis.com');
    expect(config.google.apiUrl).toBe('https://www.googleapis.com');
    expect(config.twilio).toBeUndefined();
    expect(config.ably).toBeUndefined();
  });

  it('uses Postgres when DATABASE_URL is set, and decodes the base64 service-account key', () => {
    const config = loadConfig({ DATABASE_URL: 'postgres://u@127.0.0.1:5432/db', GOOGLE_SERVICE_ACCOUNT_KEY: serviceAccountBase64 });
    expect(config.database).toEqual({ kind: 'postgres', url: 'postgres://u@127.0.0.1:5432/db' });
    expect(config.google.serviceAccount?.client_email).toBe('meet@proj.iam.gserviceaccount.com');
  });

  it.each([
    ['neither (Google Meet integration not configured)', {}, undefined],
    ['keyless: only the service account email', { GOOGLE_SERVICE_ACCOUNT_EMAIL: 'meet@proj.iam.gserviceaccount.com' }, 'keyless'],
    ['key: only the key', { GOOGLE_SERVICE_ACCOUNT_KEY: serviceAccountBase64 }, 'key'],
    [
      'key: both set, the key wins',
      { GOOGLE_SERVICE_ACCOUNT_KEY: serviceAccountBase64, GOOGLE_SERVICE_ACCOUNT_EMAIL: 'other@proj.iam.gserviceaccount.com' },
      'key',
    ],
  ])('Google delegation mode, %s', (_case, env: Record<string, string>, mode) => {
    const config = loadConfig(env);
    expect(config.google.delegationMode).toBe(mode);
    expect(config.google.iamCredentialsUrl).toBe('https://iamcredentials.googleapis.com');
  });

  it('refuses a GOOGLE_SERVICE_ACCOUNT_EMAIL that is not a service account', () => {
    expect(() => loadConfig({ GOOGLE_SERVICE_ACCOUNT_EMAIL: 'ada@example.com' })).toThrow(
      /GOOGLE_SERVICE_ACCOUNT_EMAIL: must be a service account email/,
    );
  });

  it('splits lists and lower-cases Workspace domains', () => {
    const config = loadConfig({ GOOGLE_OAUTH_CLIENT_IDS: 'a.apps, b.apps', WORKSPACE_DOMAINS: 'Example.COM,savvy.io' });
    expect(config.google.oauthClientIds).toEqual(['a.apps', 'b.apps']);
    expect(config.google.workspaceDomains).toEqual(['example.com', 'savvy.io']);
  });

  it('reports every problem at once and never echoes a secret value', () => {
    const secretish = 'not-base64-json-SECRET';
    let error: unknown;
    try {
      loadConfig({
        PORT: 'eighty',
        GOOGLE_SERVICE_ACCOUNT_KEY: secretish,
        TWILIO_ACCOUNT_SID: 'AC123',
        ABLY_API_KEY: 'nope',
        GOOGLE_API_URL: 'ftp://x',
      });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems.join('\n');
    for (const name of ['PORT', 'GOOGLE_SERVICE_ACCOUNT_KEY', 'TWILIO_ACCOUNT_SID', 'ABLY_API_KEY', 'GOOGLE_API_URL']) {
      expect(problems).toContain(name);
    }
    expect(problems).not.toContain(secretish);
  });

  it('reads the realtime endpoint the extension connects to (ABLY_REALTIME_URL), ws:// or wss:// only', () => {
    const key = 'app.key:secret';
    expect(loadConfig({ ABLY_API_KEY: key, ABLY_REALTIME_URL: 'ws://127.0.0.1:4012' }).ably).toEqual({
      apiKey: key,
      realtimeUrl: 'ws://127.0.0.1:4012',
    });
    expect(loadConfig({ ABLY_API_KEY: key }).ably?.realtimeUrl).toBeUndefined();
    expect(() => loadConfig({ ABLY_API_KEY: key, ABLY_REALTIME_URL: 'http://127.0.0.1:4012' })).toThrow(
      /ABLY_REALTIME_URL: must be a ws:\/\/ or wss:\/\/ URL/,
    );
  });

  it('accepts a messaging service instead of a from number, and requires a session secret in production', () => {
    const twilio = loadConfig({ TWILIO_ACCOUNT_SID: 'AC1', TWILIO_AUTH_TOKEN: 't', TWILIO_MESSAGING_SERVICE_SID: 'MG1' }).twilio;
    expect(twilio?.messagingServiceSid).toBe('MG1');
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(/SESSION_SECRET: is required in production/);
  });

  it('reads the SavvySolve connection, phone region and channel templates', () => {
    const secret = `whsec_${Buffer.from('one').toString('base64')}`;
    const config = loadConfig({
      SAVVYSOLVE_WEBHOOK_SECRET: `${secret}, whsec_dHdv`,
      SAVVYSOLVE_API_URL: 'https://app.savvysolve.test/api/',
      SAVVYSOLVE_API_TOKEN: 'token',
      SAVVYSOLVE_EVENTS_URL: 'https://app.savvysolve.test/hooks/meet',
      DEFAULT_PHONE_REGION: 'gb',
      ABLY_SESSION_CHANNEL: 'support:{sessionId}:chat',
    });
    expect(config.host).toEqual({
      webhookSecrets: [secret, 'whsec_dHdv'],
      api: { url: 'https://app.savvysolve.test/api', token: 'token' },
      eventsUrl: 'https://app.savvysolve.test/hooks/meet',
    });
    expect(config.defaultPhoneRegion).toBe('GB');
    expect(config.channels).toEqual({ session: 'support:{sessionId}:chat', solver: 'solver:{solverId}' });
    expect(loadConfig({}).host).toEqual({ webhookSecrets: [], api: undefined, eventsUrl: undefined });
  });

  it('names each bad SavvySolve, region or channel variable without echoing secrets', () => {
    let error: unknown;
    try {
      loadConfig({
        SAVVYSOLVE_WEBHOOK_SECRET: 'plain-SECRET-value',
        DEFAULT_PHONE_REGION: 'XX',
        ABLY_SESSION_CHANNEL: 'session:{id}',
        ABLY_SOLVER_CHANNEL: '[meta]solver:{solverId}',
      });
    } catch (caught) {
      error = caught;
    }
    const problems = (error as ConfigError).problems.join('\n');
    expect(problems).toMatch(/SAVVYSOLVE_WEBHOOK_SECRET\.0: each secret must look like whsec_/);
    expect(problems).toMatch(/DEFAULT_PHONE_REGION: must be a two-letter country code/);
    expect(problems).toMatch(/ABLY_SESSION_CHANNEL: must contain \{sessionId\}/);
    expect(problems).toMatch(/ABLY_SOLVER_CHANNEL: must not start with \[/);
    expect(problems).not.toContain('plain-SECRET-value');
    expect(() => loadConfig({ SAVVYSOLVE_EVENTS_URL: 'https://x.test/e' })).toThrow(
      /SAVVYSOLVE_EVENTS_URL: .*set SAVVYSOLVE_WEBHOOK_SECRET/,
    );
  });

  it('keeps attendance polled by default, and reads the Meet events settings when MEET_ATTENDANCE_SOURCE=events', () => {
    expect(loadConfig({}).meetEvents).toBeUndefined();
    const config = loadConfig({
      MEET_ATTENDANCE_SOURCE: 'events',
      MEET_EVENTS_TOPIC: 'projects/savvy-prod/topics/meet-events',
      PUBSUB_PUSH_SERVICE_ACCOUNT: 'Pubsub-Push@savvy-prod.iam.gserviceaccount.com',
      PUBLIC_BASE_URL: 'https://meet.savvysolve.test/',
    });
    expect(config.meetEvents).toEqual({
      topic: 'projects/savvy-prod/topics/meet-events',
      pushServiceAccount: 'pubsub-push@savvy-prod.iam.gserviceaccount.com',
      pushAudience: 'https://meet.savvysolve.test/webhooks/google/meet-events',
      workspaceEventsUrl: 'https://workspaceevents.googleapis.com',
    });
  });

  it('names what MEET_ATTENDANCE_SOURCE=events is missing, and a topic that is not a full topic name', () => {
    expect(() => loadConfig({ MEET_ATTENDANCE_SOURCE: 'events' })).toThrow(
      /MEET_ATTENDANCE_SOURCE: events needs MEET_EVENTS_TOPIC, PUBSUB_PUSH_SERVICE_ACCOUNT, PUBSUB_PUSH_AUDIENCE \(or PUBLIC_BASE_URL\)/,
    );
    expect(() =>
      loadConfig({
        MEET_ATTENDANCE_SOURCE: 'events',
        MEET_EVENTS_TOPIC: 'meet-events',
        PUBSUB_PUSH_SERVICE_ACCOUNT: 'p@x.test',
        PUBSUB_PUSH_AUDIENCE: 'a',
      }),
    ).toThrow(/MEET_EVENTS_TOPIC: must be projects\/<project id>\/topics\/<topic>/);
    expect(() => loadConfig({ MEET_ATTENDANCE_SOURCE: 'push' })).toThrow(/MEET_ATTENDANCE_SOURCE: must be poll or events/);
  });
});
