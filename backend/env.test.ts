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

  it('reads SMS_VALIDITY_SECONDS (default 900) within Twilio’s 1–36000 seconds', () => {
    const twilio = { TWILIO_ACCOUNT_SID: 'AC1', TWILIO_AUTH_TOKEN: 't', TWILIO_FROM_NUMBER: '+15005550006' };
    expect(loadConfig(twilio).twilio?.validitySeconds).toBe(900);
    expect(loadConfig({ ...twilio, SMS_VALIDITY_SECONDS: '36000' }).twilio?.validitySeconds).toBe(36_000);
    for (const bad of ['0', '36001', '1.5', 'soon']) {
      expect(() => loadConfig({ ...twilio, SMS_VALIDITY_SECONDS: bad }), bad).toThrow(/SMS_VALIDITY_SECONDS/);
    }
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
    const secret = `whsec_${Buffer.from('one-secret-of-24-bytes!!').toString('base64')}`;
    const second = `whsec_${Buffer.from('two-secret-of-24-bytes!!').toString('base64')}`;
    const config = loadConfig({
      SAVVYSOLVE_WEBHOOK_SECRET: `${secret}, ${second}`,
      SAVVYSOLVE_API_URL: 'https://app.savvysolve.test/api/',
      SAVVYSOLVE_API_TOKEN: 'token',
      SAVVYSOLVE_EVENTS_URL: 'https://app.savvysolve.test/hooks/meet',
      DEFAULT_PHONE_REGION: 'gb',
      ABLY_SESSION_CHANNEL: 'support:{sessionId}:chat',
    });
    expect(config.host).toEqual({
      webhookSecrets: [secret, second],
      api: { url: 'https://app.savvysolve.test/api', token: 'token' },
      eventsUrl: 'https://app.savvysolve.test/hooks/meet',
    });
    expect(config.defaultPhoneRegion).toBe('GB');
    expect(config.channels).toEqual({ session: 'support:{sessionId}:chat', solver: 'solver:{solverId}' });
    expect(loadConfig({}).host).toEqual({ webhookSecrets: [], api: undefined, eventsUrl: undefined });
  });

  it('refuses a webhook secret under 24 bytes (Standard Webhooks: 24–64), naming the variable but not the secret', () => {
    const short = `whsec_${Buffer.from('x').toString('base64')}`;
    const almost = `whsec_${Buffer.alloc(23, 7).toString('base64')}`;
    for (const secret of [short, almost]) {
      let error: unknown;
      try {
        loadConfig({ SAVVYSOLVE_WEBHOOK_SECRET: secret });
      } catch (caught) {
        error = caught;
      }
      const problems = (error as ConfigError).problems.join('\n');
      expect(problems).toMatch(/SAVVYSOLVE_WEBHOOK_SECRET\.0: each secret must hold at least 24 random bytes/);
      expect(problems).not.toContain(secret);
    }
    expect(loadConfig({ SAVVYSOLVE_WEBHOOK_SECRET: `whsec_${Buffer.alloc(24, 7).toString('base64')}` }).host.webhookSecrets).toHaveLength(
      1,
    );
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

  it('reads TRUST_PROXY as off, a hop count or a list of proxy addresses, refusing what proxy-addr cannot parse', () => {
    expect(loadConfig({}).http.trustProxy).toBe(false);
    expect(loadConfig({ TRUST_PROXY: 'false' }).http.trustProxy).toBe(false);
    expect(loadConfig({ TRUST_PROXY: '2' }).http.trustProxy).toEqual({ hops: 2 });
    expect(loadConfig({ TRUST_PROXY: '10.0.0.0/8, loopback,fd00::/8' }).http.trustProxy).toEqual({
      addresses: ['10.0.0.0/8', 'loopback', 'fd00::/8'],
    });
    expect(() => loadConfig({ TRUST_PROXY: 'true' })).toThrow(/TRUST_PROXY: must be a hop count \(e\.g\. 1\) or proxy addresses/);
    expect(() => loadConfig({ TRUST_PROXY: '10.0.0.0/99' })).toThrow(/TRUST_PROXY: /);
  });

  it('keeps connections alive 65 s by default, headers timing out after that, and refuses the wrong order', () => {
    expect(loadConfig({}).http).toMatchObject({ keepAliveTimeoutSeconds: 65, headersTimeoutSeconds: 66 });
    expect(loadConfig({ KEEP_ALIVE_TIMEOUT_SECONDS: '350' }).http).toMatchObject({
      keepAliveTimeoutSeconds: 350,
      headersTimeoutSeconds: 351,
    });
    expect(loadConfig({ HEADERS_TIMEOUT_SECONDS: '90' }).http.headersTimeoutSeconds).toBe(90);
    expect(() => loadConfig({ HEADERS_TIMEOUT_SECONDS: '60' })).toThrow(
      'HEADERS_TIMEOUT_SECONDS: must be greater than KEEP_ALIVE_TIMEOUT_SECONDS (65)',
    );
    expect(() => loadConfig({ KEEP_ALIVE_TIMEOUT_SECONDS: '30', HEADERS_TIMEOUT_SECONDS: '30' })).toThrow(
      'HEADERS_TIMEOUT_SECONDS: must be greater than KEEP_ALIVE_TIMEOUT_SECONDS (30)',
    );
    expect(() => loadConfig({ KEEP_ALIVE_TIMEOUT_SECONDS: 'soon' })).toThrow(/KEEP_ALIVE_TIMEOUT_SECONDS: must be a number of seconds/);
  });

  it('gives requests and jobs 10 s on SIGTERM and keeps customer data 30 days by default', () => {
    expect(loadConfig({})).toMatchObject({ shutdownGraceSeconds: 10, customerDataRetentionDays: 30 });
    expect(loadConfig({ SHUTDOWN_GRACE_SECONDS: '25', CUSTOMER_DATA_RETENTION_DAYS: '7' })).toMatchObject({
      shutdownGraceSeconds: 25,
      customerDataRetentionDays: 7,
    });
    expect(() => loadConfig({ CUSTOMER_DATA_RETENTION_DAYS: '0' })).toThrow(/CUSTOMER_DATA_RETENTION_DAYS: /);
    expect(() => loadConfig({ SHUTDOWN_GRACE_SECONDS: 'soon' })).toThrow(/SHUTDOWN_GRACE_SECONDS: must be a number of seconds/);
  });

  it('reads SESSION_SECRET as a list during a rotation, each secret at least 32 characters', () => {
    const [first, second] = ['a'.repeat(32), 'b'.repeat(40)];
    expect(loadConfig({}).sessionSecrets).toEqual([]);
    expect(loadConfig({ SESSION_SECRET: `${first}, ${second}` }).sessionSecrets).toEqual([first, second]);
    expect(() => loadConfig({ SESSION_SECRET: `${first},short` })).toThrow(/SESSION_SECRET: must be at least 32 characters/);
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
