import * as Ably from 'ably';

export type RealtimePublisher = { publish(channel: string, name: string, data: Record<string, unknown>): Promise<void> };

/** Publishes with the Ably REST SDK; `restUrl` points it at an emulator or proxy. */
export function createAblyPublisher(options: { apiKey: string; restUrl?: string; timeoutMs?: number }): RealtimePublisher {
  const rest = new Ably.Rest({ key: options.apiKey, ...endpointOptions(options.restUrl), httpRequestTimeout: options.timeoutMs ?? 10_000 });
  return {
    async publish(channel, name, data) {
      await rest.channels.get(channel).publish(name, data);
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
