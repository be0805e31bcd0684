import * as Ably from 'ably';
import type { ConnectRealtime } from './live-updates.ts';

/** The real Ably Realtime client behind {@link ConnectRealtime}; authenticates only with backend-minted tokens. */
export const connectAbly: ConnectRealtime = (authCallback) => {
  const client = new Ably.Realtime({
    authCallback: (_params, callback) => {
      authCallback().then(
        (tokenRequest) => callback(null, tokenRequest as unknown as Ably.TokenRequest),
        (error: unknown) => callback(error instanceof Error ? error.message : String(error), null),
      );
    },
  });
  return {
    async subscribe(channel, event, listener) {
      await client.channels.get(channel).subscribe(event, () => listener());
    },
    onStateChange(listener) {
      client.connection.on((change) => listener(change.current));
    },
    close() {
      client.close();
    },
  };
};
