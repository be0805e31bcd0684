import * as Ably from 'ably';
import { countedCall, type Metrics } from '../metrics/metrics.ts';

export type RealtimePublisher = { publish(channel: string, name: string, data: Record<string, unknown>): Promise<void> };

/** Mints Ably token requests offline (HMAC); the extension exchanges them with Ably itself. */
export type RealtimeTokenMinter = {
  subscribeOnly(channel: string, clientId: string): Promise<Ably.TokenRequest>;
};

export type AblyOptions = {
  apiKey: string;
  restUrl?: string;
  timeoutMs?: number;
  /** Counts each publish (savvysolve_meet_outbound_*). */
  metrics?: Metrics;
};

/** The HTTP status of an Ably ErrorInfo; undefined when Ably did not answer. */
const ablyStatus = (error: unknown) => (error as { statusCode?: number }).statusCode;

const TOKEN_TTL_MS = 60 * 60 * 1000;

function createRest(options: AblyOptions) {
  return new Ably.Rest({ key: options.apiKey, ...endpointOptions(options.restUrl), httpRequestTimeout: options.timeoutMs ?? 10_000 });
}

/** Publishes with the Ably REST SDK; `restUrl` points it at an emulator or proxy. */
export function createAblyPublisher(options: AblyOptions): RealtimePublisher {
  const rest = createRest(options);
  return {
    async publish(channel, name, data) {
      await countedCall('ably', options.metrics, () => rest.channels.get(channel).publish(name, data), ablyStatus, 201);
    },
  };
}

export function createAblyTokenMinter(options: AblyOptions): RealtimeTokenMinter {
  const rest = createRest(options);
  return {
    subscribeOnly: (channel, clientId) =>
      rest.auth.createTokenRequest({ clientId, capability: { [channel]: ['subscribe'] }, ttl: TOKEN_TTL_MS }),
  };
}

function endpointOptions(restUrl: string | undefined): Partial<Ably.ClientOptions> {
  if (!restUrl) return {};
  const url = new URL(restUrl);
  const tls = url.protocol === 'https:';
  const port = Number(url.port) || (tls ? 443 : 80);
  return { endpoint: url.hostname, tls, ...(tls ? { tlsPort: port } : { port }) };
}
