import * as Ably from 'ably';
import { messageOf } from '../../../shared/errors.ts';
import type { RealtimeEndpoint } from '../../../shared/index.ts';
import type { ConnectRealtime } from './live-updates.ts';

/**
 * Client options for the endpoint the backend names. With one (ABLY_REALTIME_URL: an emulator, a proxy) nothing
 * else is ever contacted: `endpoint` + port turn Ably's fallback hosts off, WebSocket is the only transport (no
 * comet fallback), and the connectivity checks that would go to ably-realtime.com are off or aimed at it.
 * JSON protocol: what the emulator speaks, and the browser default anyway.
 */
export function ablyClientOptions(endpoint: RealtimeEndpoint | undefined): Ably.ClientOptions {
  if (!endpoint) return { useBinaryProtocol: false };
  const scheme = endpoint.tls ? 'wss' : 'ws';
  return {
    useBinaryProtocol: false,
    endpoint: endpoint.endpoint,
    tls: endpoint.tls,
    ...(endpoint.tls ? { tlsPort: endpoint.port } : { port: endpoint.port }),
    transports: ['web_socket'],
    disableConnectivityCheck: true,
    wsConnectivityCheckUrl: `${scheme}://${endpoint.endpoint}:${endpoint.port}/`,
  };
}

/** The real Ably Realtime client behind {@link ConnectRealtime}; authenticates only with backend-minted tokens. */
export const connectAbly: ConnectRealtime = (authCallback, endpoint) => {
  const client = new Ably.Realtime({
    ...ablyClientOptions(endpoint),
    authCallback: (_params, callback) => {
      authCallback().then(
        (tokenRequest) => callback(null, tokenRequest as unknown as Ably.TokenRequest),
        (error: unknown) => callback(messageOf(error), null),
      );
    },
  });
  return {
    async subscribe(channel, event, listener) {
      await client.channels.get(channel).subscribe(event, () => listener());
    },
    onStateChange(listener) {
      client.connection.on((change) => listener(change.current, change.reason?.message));
    },
    close() {
      client.close();
    },
  };
};
