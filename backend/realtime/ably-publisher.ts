import * as Ably from 'ably';
import { countedCall, type Metrics } from '../metrics/metrics.ts';

export type RealtimePublisher = {
  /**
   * Publishes one message. `id` (Ably's `<base>:0` form) makes a repeated publish of it a no-op at Ably within its
   * 2-minute idempotency window; without it the SDK picks a random id per call.
   */
  publish(channel: string, name: string, data: Record<string, unknown>, id?: string): Promise<void>;
};

/** Mints Ably token requests offline (HMAC); the extension exchanges them with Ably itself. */
export type RealtimeTokenMinter = {
  subscribeOnly(channel: string, clientId: string): Promise<Ably.TokenRequest>;
};

/** Ends what a client's tokens allow at once: Ably's token revocation by clientId. */
export type RealtimeTokenRevoker = {
  /**
   * Revokes every token issued to `clientId` so far; their live connections are disconnected (Ably 40141).
   * @throws RevocationNotEnabledError when the key was made without revocable tokens; any other Ably error.
   */
  revokeClient(clientId: string): Promise<void>;
};

/** The Ably key has no "revocable tokens" setting (Ably 40164): tokens then last until their TTL. */
export class RevocationNotEnabledError extends Error {
  constructor() {
    super('Token revocation is not enabled on this Ably key (enable "revocable tokens" on the key in the Ably dashboard)');
    this.name = 'RevocationNotEnabledError';
  }
}

export type AblyOptions = {
  apiKey: string;
  restUrl?: string;
  timeoutMs?: number;
  /** Counts each publish (savvysolve_meet_outbound_*). */
  metrics?: Metrics;
};

/** The HTTP status of an Ably ErrorInfo; undefined when Ably did not answer. */
const ablyStatus = (error: unknown) => (error as { statusCode?: number }).statusCode;

/**
 * A realtime token lives 10 minutes: the extension's ably-js client renews it through its authCallback (the backend
 * refuses a disabled or revoked solver there), and a revocation Ably could not apply still ends within that time.
 */
export const REALTIME_TOKEN_TTL_MS = 10 * 60 * 1000;

function createRest(options: AblyOptions) {
  return new Ably.Rest({ key: options.apiKey, ...endpointOptions(options.restUrl), httpRequestTimeout: options.timeoutMs ?? 10_000 });
}

/** Publishes with the Ably REST SDK; `restUrl` points it at an emulator or proxy. */
export function createAblyPublisher(options: AblyOptions): RealtimePublisher {
  const rest = createRest(options);
  return {
    async publish(channel, name, data, id) {
      const message = id ? { id, name, data } : { name, data };
      await countedCall('ably', options.metrics, () => rest.channels.get(channel).publish(message), ablyStatus, 201);
    },
  };
}

export function createAblyTokenMinter(options: AblyOptions): RealtimeTokenMinter {
  const rest = createRest(options);
  return {
    subscribeOnly: (channel, clientId) =>
      rest.auth.createTokenRequest({ clientId, capability: { [channel]: ['subscribe'] }, ttl: REALTIME_TOKEN_TTL_MS }),
  };
}

/** Revokes with the Ably REST SDK (`POST /keys/{keyName}/revokeTokens`, basic auth with the key). */
export function createAblyTokenRevoker(options: AblyOptions): RealtimeTokenRevoker {
  const rest = createRest(options);
  return {
    async revokeClient(clientId) {
      let result: Awaited<ReturnType<typeof rest.auth.revokeTokens>>;
      try {
        result = await rest.auth.revokeTokens([{ type: 'clientId', value: clientId }]);
      } catch (error) {
        if ((error as { code?: number }).code === 40164) throw new RevocationNotEnabledError();
        throw error;
      }
      const failed = result.results.find((entry) => 'error' in entry);
      if (failed && 'error' in failed) throw new Error(`Ably refused to revoke ${failed.target}: ${failed.error.message}`);
    },
  };
}

function endpointOptions(restUrl: string | undefined): Partial<Ably.ClientOptions> {
  if (!restUrl) return {};
  const url = new URL(restUrl);
  const tls = url.protocol === 'https:';
  const port = Number(url.port) || (tls ? 443 : 80);
  return { endpoint: url.hostname, tls, ...(tls ? { tlsPort: port } : { port }) };
}
