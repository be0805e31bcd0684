import { realtimeEndpointOf, type HealthResponse } from '../../shared/index.ts';
import { countPendingMigrations, type DatabaseHandle } from '../db/client.ts';
import type { Config } from '../env.ts';

/** `GET /health/ready`: whether this instance can do its work; `ready` false answers 503 with the failed checks. */
export type Readiness = {
  ready: boolean;
  checks: { database: boolean; migrations: boolean; jobQueue: boolean };
};

export type Health = {
  /** `GET /health`: the database and which integrations are configured (never a secret). */
  summary(): Promise<HealthResponse>;
  /** Database reachable, every migration applied, the job queue started. */
  readiness(): Promise<Readiness>;
};

/** A probe answers well inside Kubernetes' default 1 s timeout only if the database does; past 2 s it is not ready. */
const READY_TIMEOUT_MS = 2_000;

/** `work`'s value, or `late` when it takes longer than `ms`. */
const within = <T>(ms: number, work: Promise<T>, late: T): Promise<T> => {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<T>((resolve) => (timer = setTimeout(() => resolve(late), ms)));
  return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
};

const configured = (value: unknown) => (value ? 'configured' : 'not_configured') as 'configured' | 'not_configured';

/** Health of one backend: its database, its job queue (`jobQueueRunning`) and its configuration. */
export function createHealth(config: Config, database: DatabaseHandle, jobQueueRunning: () => boolean): Health {
  return {
    async summary() {
      const ok = await database.ping();
      return {
        status: ok ? 'ok' : 'degraded',
        database: { kind: database.kind, ok },
        integrations: {
          googleCalendar: configured(config.google.delegationMode),
          googleSignIn: configured(config.google.oauthClientIds.length),
          twilio: configured(config.twilio),
          ably: configured(config.ably),
          adminApi: configured(config.adminApiToken),
          savvysolveWebhooks: configured(config.host.webhookSecrets.length),
          savvysolveApi: configured(config.host.api),
          savvysolveEvents: configured(config.host.eventsUrl),
        },
        ...(config.google.delegationMode ? { google: config.google.delegationMode } : {}),
        ...(config.ably?.realtimeUrl ? { realtime: realtimeEndpointOf(config.ably.realtimeUrl) } : {}),
      };
    },
    async readiness() {
      const reachable = await within(READY_TIMEOUT_MS, database.ping(), false);
      // Unreachable: the migrations cannot be read either, and count as not applied.
      const migrations = reachable && (await within(READY_TIMEOUT_MS, countPendingMigrations(database.db), 1).catch(() => 1)) === 0;
      const jobQueue = jobQueueRunning();
      return { ready: reachable && migrations && jobQueue, checks: { database: reachable, migrations, jobQueue } };
    },
  };
}
