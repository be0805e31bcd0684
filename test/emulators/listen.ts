import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';

export type Listening = { url: string; port: number; close(): Promise<void> };

/**
 * Serves `fetch` on 127.0.0.1 (port 0 = a free one); `close()` also drops idle keep-alive connections. `setup` sees
 * the Node server first (e.g. to serve WebSocket upgrades).
 */
export function listen(
  fetch: (request: Request) => Response | Promise<Response>,
  port = 0,
  setup?: (server: Server) => void,
): Promise<Listening> {
  return new Promise((resolve, reject) => {
    const server = serve({ fetch, port, hostname: '127.0.0.1', overrideGlobalObjects: false }, (info: AddressInfo) => {
      server.off('error', reject);
      resolve({
        url: `http://127.0.0.1:${info.port}`,
        port: info.port,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            server.closeAllConnections();
          }),
      });
    }) as Server;
    setup?.(server);
    server.once('error', reject);
  });
}
