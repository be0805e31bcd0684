import { isSupportedCountry, type CountryCode } from 'libphonenumber-js';
import { z } from 'zod';
import { tracingRequested } from './tracing/tracing-requested.ts';
import { DEFAULT_CHANNEL_TEMPLATES, E164_PATTERN, MEET_ACCESS_TYPES, type ChannelTemplates } from '../shared/index.ts';
import { compileTrust, type TrustProxy } from './http/client-address.ts';

const list = z
  .string()
  .optional()
  .transform((value) =>
    (value ?? '')
      .split(',')
      .map((item) => item.trim())
      .filter(Boolean),
  );

const optionalText = z
  .string()
  .optional()
  .transform((value) => (value?.trim() ? value.trim() : undefined));

const url = (fallback?: string) =>
  z
    .string()
    .optional()
    .transform((value) => (value?.trim() ? value.trim() : fallback))
    .pipe(z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).optional())
    .transform((value) => value?.replace(/\/+$/, ''));

const serviceAccountKeySchema = z.object({
  type: z.literal('service_account', 'the key is not a service-account key ("type" must be "service_account")'),
  client_email: z.string().min(1),
  private_key: z.string().includes('PRIVATE KEY'),
  client_id: z.string().optional(),
});
export type ServiceAccountKey = z.infer<typeof serviceAccountKeySchema>;

const serviceAccountKey = optionalText.transform((value, ctx) => {
  if (!value) return undefined;
  try {
    return serviceAccountKeySchema.parse(JSON.parse(Buffer.from(value, 'base64').toString('utf8')));
  } catch {
    ctx.addIssue({
      code: 'custom',
      message: 'must be the base64 of a service-account JSON key (base64 -w0 key.json)',
    });
    return z.NEVER;
  }
});

/** The shortest Standard Webhooks secret accepted, in decoded bytes. */
export const MIN_WEBHOOK_SECRET_BYTES = 24;

// Standard Webhooks secrets: `whsec_` + base64; several, comma-separated, during a rotation (the first signs).
const webhookSecrets = list.pipe(
  z.array(
    z
      .string()
      .regex(/^whsec_[A-Za-z0-9+/]+=*$/, 'each secret must look like whsec_<base64> (comma-separated during a rotation)')
      // The Standard Webhooks specification: 24 to 64 random bytes. A shorter key can be guessed.
      .refine(
        (secret) => Buffer.from(secret.slice('whsec_'.length), 'base64').length >= MIN_WEBHOOK_SECRET_BYTES,
        `each secret must hold at least ${MIN_WEBHOOK_SECRET_BYTES} random bytes; make one with: echo whsec_$(openssl rand -base64 32)`,
      ),
  ),
);

/** A channel-name template holding `placeholder`, e.g. `session:{sessionId}`. */
const channelTemplate = (placeholder: string, fallback: string) =>
  optionalText
    .transform((value) => value ?? fallback)
    .pipe(
      z
        .string()
        .includes(placeholder, `must contain ${placeholder}`)
        .regex(/^[^*\s]+$/, 'must not contain spaces or *')
        .refine((value) => !value.startsWith('['), 'must not start with [ (Ably channel qualifiers are not supported)'),
    );

const phoneRegion = optionalText.pipe(
  z
    .string()
    .transform((value) => value.toUpperCase())
    .refine((value) => isSupportedCountry(value), 'must be a two-letter country code such as US or GB')
    .optional(),
);

// Off, a hop count, or the proxies' addresses and CIDR ranges (proxy-addr's syntax, as Express's `trust proxy`).
const trustProxy = optionalText.transform((value, ctx): TrustProxy => {
  if (!value || value === 'false' || value === '0') return false;
  if (/^\d+$/.test(value)) return { hops: Number(value) };
  const addresses = value
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);
  try {
    compileTrust({ addresses });
    return { addresses };
  } catch {
    ctx.addIssue({ code: 'custom', message: 'must be a hop count (e.g. 1) or proxy addresses/CIDR ranges (e.g. 10.0.0.0/8,loopback)' });
    return z.NEVER;
  }
});

const seconds = z.coerce.number('must be a number of seconds').int('must be a whole number of seconds').min(1).max(3600);

const envSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(8787),
  DATABASE_URL: optionalText.pipe(
    z
      .string()
      .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL')
      .optional(),
  ),
  PGLITE_DATA_DIR: optionalText.transform((value) => value ?? '.data/pglite'),
  GOOGLE_SERVICE_ACCOUNT_KEY: serviceAccountKey,
  // Keyless domain-wide delegation: IAM Credentials signs as this account (used when no key is set).
  GOOGLE_SERVICE_ACCOUNT_EMAIL: optionalText.pipe(
    z
      .email('must be a service account email such as name@project.iam.gserviceaccount.com')
      .regex(/\.gserviceaccount\.com$/i, 'must be a service account email (…@<project>.iam.gserviceaccount.com)')
      .optional(),
  ),
  GOOGLE_IAM_CREDENTIALS_URL: url('https://iamcredentials.googleapis.com'),
  GOOGLE_OAUTH_CLIENT_IDS: list,
  WORKSPACE_DOMAINS: list.transform((domains) => domains.map((domain) => domain.toLowerCase())),
  // Several, comma-separated, during a rotation: the first signs, all verify.
  SESSION_SECRET: list.refine((secrets) => secrets.every((secret) => secret.length >= 32), 'must be at least 32 characters'),
  ADMIN_API_TOKEN: optionalText.pipe(z.string().min(16, 'must be at least 16 characters').optional()),
  METRICS_TOKEN: optionalText.pipe(z.string().min(16, 'must be at least 16 characters').optional()),
  OTEL_EXPORTER_OTLP_ENDPOINT: url(),
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: url(),
  OTEL_TRACES_EXPORTER: optionalText,
  TWILIO_ACCOUNT_SID: optionalText.pipe(z.string().startsWith('AC', 'must start with AC').optional()),
  TWILIO_AUTH_TOKEN: optionalText,
  TWILIO_FROM_NUMBER: optionalText.pipe(z.string().regex(E164_PATTERN, 'must be E.164').optional()),
  TWILIO_MESSAGING_SERVICE_SID: optionalText.pipe(z.string().startsWith('MG', 'must start with MG').optional()),
  PUBLIC_BASE_URL: url(),
  ABLY_API_KEY: optionalText.pipe(
    z
      .string()
      .regex(/^[^.:]+\.[^.:]+:.+$/, 'must look like appId.keyId:secret')
      .optional(),
  ),
  GOOGLE_OAUTH_URL: url('https://oauth2.googleapis.com'),
  GOOGLE_API_URL: url('https://www.googleapis.com'),
  GOOGLE_MEET_API_URL: url('https://meet.googleapis.com'),
  MEET_ACCESS_TYPE: z.enum([...MEET_ACCESS_TYPES, 'unchanged'], 'must be OPEN, TRUSTED, RESTRICTED or unchanged').default('OPEN'),
  MEET_SPACE_CONTROL: z.enum(['true', 'false'], 'must be true or false').default('true'),
  MEET_ATTENDANCE_SOURCE: z.enum(['poll', 'events'], 'must be poll or events').default('poll'),
  MEET_EVENTS_TOPIC: optionalText.pipe(
    z
      .string()
      .regex(/^projects\/[a-z][a-z0-9-]{4,28}[a-z0-9]\/topics\/[A-Za-z][\w.~+%-]{2,254}$/, 'must be projects/<project id>/topics/<topic>')
      .optional(),
  ),
  // The identity Pub/Sub signs its push tokens as (the push subscription's --push-auth-service-account).
  PUBSUB_PUSH_SERVICE_ACCOUNT: optionalText.pipe(z.email('must be a service account email').optional()),
  PUBSUB_PUSH_AUDIENCE: optionalText,
  GOOGLE_WORKSPACE_EVENTS_URL: url('https://workspaceevents.googleapis.com'),
  CUSTOMER_JOIN_NUDGE_MINUTES: z.coerce.number('must be a number of minutes').int().min(1).max(120).default(3),
  TWILIO_API_URL: url('https://api.twilio.com'),
  // Twilio's ValidityPeriod: a text not delivered within it is dropped (error 30036); Twilio allows 1–36000 seconds.
  SMS_VALIDITY_SECONDS: z.coerce
    .number('must be a number of seconds')
    .int('must be a whole number of seconds')
    .min(1)
    .max(36_000)
    .default(900),
  ABLY_REST_URL: url(),
  // Where the extension's realtime client connects (an emulator, a proxy); unset: Ably's own endpoint.
  ABLY_REALTIME_URL: optionalText.pipe(z.url({ protocol: /^wss?$/, error: 'must be a ws:// or wss:// URL' }).optional()),
  EXTENSION_ORIGINS: list,
  SAVVYSOLVE_WEBHOOK_SECRET: webhookSecrets,
  SAVVYSOLVE_API_URL: url(),
  SAVVYSOLVE_API_TOKEN: optionalText,
  SAVVYSOLVE_EVENTS_URL: url(),
  DEFAULT_PHONE_REGION: phoneRegion,
  ABLY_SESSION_CHANNEL: channelTemplate('{sessionId}', DEFAULT_CHANNEL_TEMPLATES.session),
  ABLY_SOLVER_CHANNEL: channelTemplate('{solverId}', DEFAULT_CHANNEL_TEMPLATES.solver),
  TRUST_PROXY: trustProxy,
  KEEP_ALIVE_TIMEOUT_SECONDS: seconds.default(65),
  HEADERS_TIMEOUT_SECONDS: seconds.optional(),
  SHUTDOWN_GRACE_SECONDS: seconds.default(10),
  CUSTOMER_DATA_RETENTION_DAYS: z.coerce
    .number('must be a number of days')
    .int('must be a whole number of days')
    .min(1)
    .max(3650)
    .default(30),
  JOB_WORKERS: z.enum(['true', 'false'], 'must be true or false').default('true'),
  NODE_ENV: optionalText,
  LOG_LEVEL: z
    .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], 'must be error, warn, info, debug, trace or silent')
    .default('info'),
});

/** Where Pub/Sub pushes the Meet events (`PUBSUB_PUSH_AUDIENCE` defaults to PUBLIC_BASE_URL + this path). */
export const MEET_EVENTS_PUSH_PATH = '/webhooks/google/meet-events';

export type Config = ReturnType<typeof toConfig>;

function toConfig(env: z.infer<typeof envSchema>) {
  return {
    port: env.PORT,
    database: env.DATABASE_URL
      ? ({ kind: 'postgres', url: env.DATABASE_URL } as const)
      : ({ kind: 'pglite', dataDir: env.PGLITE_DATA_DIR } as const),
    google: {
      serviceAccount: env.GOOGLE_SERVICE_ACCOUNT_KEY,
      /** Keyless mode's delegated service account (IAM Credentials signs for it); ignored when a key is set. */
      serviceAccountEmail: env.GOOGLE_SERVICE_ACCOUNT_EMAIL,
      /** How delegated tokens are signed: with the key, keyless through IAM Credentials, or not at all. */
      delegationMode: (env.GOOGLE_SERVICE_ACCOUNT_KEY ? 'key' : env.GOOGLE_SERVICE_ACCOUNT_EMAIL ? 'keyless' : undefined) as
        'key' | 'keyless' | undefined,
      iamCredentialsUrl: env.GOOGLE_IAM_CREDENTIALS_URL!,
      oauthClientIds: env.GOOGLE_OAUTH_CLIENT_IDS,
      workspaceDomains: env.WORKSPACE_DOMAINS,
      oauthUrl: env.GOOGLE_OAUTH_URL!,
      apiUrl: env.GOOGLE_API_URL!,
      meetApiUrl: env.GOOGLE_MEET_API_URL!,
    },
    /** Meet space control (Meet REST API v2): access type, attendance, retirement; needs the service account. */
    meetSpace: {
      enabled: env.MEET_SPACE_CONTROL === 'true',
      accessType: env.MEET_ACCESS_TYPE,
      customerJoinNudgeMinutes: env.CUSTOMER_JOIN_NUDGE_MINUTES,
    },
    /**
     * Where attendance comes from: `poll` (the Meet API read every 10 s / 60 s) or `events` (Workspace Events pushed
     * by Pub/Sub to `POST /webhooks/google/meet-events`; polling keeps running as the reconciler).
     */
    meetEvents:
      env.MEET_ATTENDANCE_SOURCE === 'events'
        ? {
            topic: env.MEET_EVENTS_TOPIC!,
            pushServiceAccount: env.PUBSUB_PUSH_SERVICE_ACCOUNT!.toLowerCase(),
            pushAudience: env.PUBSUB_PUSH_AUDIENCE ?? `${env.PUBLIC_BASE_URL}${MEET_EVENTS_PUSH_PATH}`,
            workspaceEventsUrl: env.GOOGLE_WORKSPACE_EVENTS_URL!,
          }
        : undefined,
    /** The first signs session tokens, all verify them; none means "generate one per process" (tokens die with it). */
    sessionSecrets: env.SESSION_SECRET,
    adminApiToken: env.ADMIN_API_TOKEN,
    /** Bearer token Prometheus scrapes GET /metrics with; undefined: /metrics answers 404. */
    metricsToken: env.METRICS_TOKEN,
    /** OpenTelemetry traces (the SDK reads the other OTEL_* variables itself): docs/operations.md. */
    tracing: tracingRequested({
      OTEL_EXPORTER_OTLP_ENDPOINT: env.OTEL_EXPORTER_OTLP_ENDPOINT,
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT,
      OTEL_TRACES_EXPORTER: env.OTEL_TRACES_EXPORTER,
    }),
    twilio:
      env.TWILIO_ACCOUNT_SID && env.TWILIO_AUTH_TOKEN
        ? {
            accountSid: env.TWILIO_ACCOUNT_SID,
            authToken: env.TWILIO_AUTH_TOKEN,
            fromNumber: env.TWILIO_FROM_NUMBER,
            messagingServiceSid: env.TWILIO_MESSAGING_SERVICE_SID,
            apiUrl: env.TWILIO_API_URL!,
            validitySeconds: env.SMS_VALIDITY_SECONDS,
          }
        : undefined,
    ably: env.ABLY_API_KEY ? { apiKey: env.ABLY_API_KEY, restUrl: env.ABLY_REST_URL, realtimeUrl: env.ABLY_REALTIME_URL } : undefined,
    /** Channel names the host's views listen on. */
    channels: { session: env.ABLY_SESSION_CHANNEL, solver: env.ABLY_SOLVER_CHANNEL } satisfies ChannelTemplates,
    /** The SavvySolve app: inbound webhooks, lazy pull of missed sessions, outbound events. */
    host: {
      webhookSecrets: env.SAVVYSOLVE_WEBHOOK_SECRET,
      api: env.SAVVYSOLVE_API_URL ? { url: env.SAVVYSOLVE_API_URL, token: env.SAVVYSOLVE_API_TOKEN } : undefined,
      eventsUrl: env.SAVVYSOLVE_EVENTS_URL,
    },
    /** Region for national phone numbers (ISO 3166 alpha-2); undefined: only international (+…) numbers. */
    defaultPhoneRegion: env.DEFAULT_PHONE_REGION as CountryCode | undefined,
    publicBaseUrl: env.PUBLIC_BASE_URL,
    /** Browser origins allowed by CORS (the extension's `chrome-extension://<id>`); none by default. */
    corsOrigins: env.EXTENSION_ORIGINS,
    /** The HTTP listener behind a load balancer (http/listener.ts, http/client-address.ts). */
    http: {
      trustProxy: env.TRUST_PROXY,
      keepAliveTimeoutSeconds: env.KEEP_ALIVE_TIMEOUT_SECONDS,
      // Node's advice behind a balancer: headers time out after the keep-alive, or a reused socket can be cut.
      headersTimeoutSeconds: env.HEADERS_TIMEOUT_SECONDS ?? env.KEEP_ALIVE_TIMEOUT_SECONDS + 1,
    },
    /** On SIGTERM: how long requests in flight and running jobs get before the process exits (Cloud Run: 10 s). */
    shutdownGraceSeconds: env.SHUTDOWN_GRACE_SECONDS,
    /** Days after a session ended before its customer's name and number are erased (backend/customers/). */
    customerDataRetentionDays: env.CUSTOMER_DATA_RETENTION_DAYS,
    logLevel: env.LOG_LEVEL,
    /** `false`: this instance serves HTTP only and leaves the job queue to the others. */
    jobWorkers: env.JOB_WORKERS === 'true',
  };
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
  }
}

/** Rules spanning several variables, checked on the raw values so they are reported with the rest. */
function crossFieldProblems(source: Record<string, string | undefined>): string[] {
  const set = (name: string) => Boolean(source[name]?.trim());
  const problems: string[] = [];
  const twilio = [set('TWILIO_ACCOUNT_SID'), set('TWILIO_AUTH_TOKEN'), set('TWILIO_FROM_NUMBER') || set('TWILIO_MESSAGING_SERVICE_SID')];
  if (twilio.some(Boolean) && !twilio.every(Boolean)) {
    problems.push(
      'TWILIO_ACCOUNT_SID: SMS needs TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and TWILIO_FROM_NUMBER or TWILIO_MESSAGING_SERVICE_SID together',
    );
  }
  if (set('SAVVYSOLVE_EVENTS_URL') && !set('SAVVYSOLVE_WEBHOOK_SECRET'))
    problems.push('SAVVYSOLVE_EVENTS_URL: outbound events are signed; set SAVVYSOLVE_WEBHOOK_SECRET too');
  const keepAlive = Number(source.KEEP_ALIVE_TIMEOUT_SECONDS?.trim() || 65);
  if (set('HEADERS_TIMEOUT_SECONDS') && Number(source.HEADERS_TIMEOUT_SECONDS) <= keepAlive)
    problems.push(`HEADERS_TIMEOUT_SECONDS: must be greater than KEEP_ALIVE_TIMEOUT_SECONDS (${keepAlive})`);
  if (source.MEET_ATTENDANCE_SOURCE?.trim() === 'events') {
    const missing = ['MEET_EVENTS_TOPIC', 'PUBSUB_PUSH_SERVICE_ACCOUNT'].filter((name) => !set(name));
    if (!set('PUBSUB_PUSH_AUDIENCE') && !set('PUBLIC_BASE_URL')) missing.push('PUBSUB_PUSH_AUDIENCE (or PUBLIC_BASE_URL)');
    if (missing.length > 0) problems.push(`MEET_ATTENDANCE_SOURCE: events needs ${missing.join(', ')}`);
  }
  if (source.NODE_ENV === 'production' && !set('SESSION_SECRET')) problems.push('SESSION_SECRET: is required in production');
  return problems;
}

/** Parses the environment once; lists every bad variable together (never their values). */
export function loadConfig(source: Record<string, string | undefined>): Config {
  const parsed = envSchema.safeParse(source);
  const problems = [
    ...(parsed.success ? [] : parsed.error.issues.map((issue) => `${issue.path.join('.') || 'environment'}: ${issue.message}`)),
    ...crossFieldProblems(source),
  ];
  if (problems.length > 0 || !parsed.success) throw new ConfigError(problems);
  return toConfig(parsed.data);
}
