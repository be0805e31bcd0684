import type { Server } from 'node:http';
import { serve, type ServerType } from '@hono/node-server';

/** Node HTTP server limits, in milliseconds: slow or idle clients cannot hold sockets open. */
export type ServerLimits = {
  /** Time to receive the request headers (Node's default is 60 s); longer than `keepAliveTimeout`. */
  headersTimeout: number;
  /** Time to receive the whole request, body included (a client trickling a body is cut off with 408). */
  requestTimeout: number;
  /** Idle time on a kept-alive connection between requests (behind a load balancer: longer than its idle timeout). */
  keepAliveTimeout: number;
  /** How often Node checks the two request timeouts above (so a timeout fires up to this much late). */
  connectionsCheckingInterval: number;
};

/** KEEP_ALIVE_TIMEOUT_SECONDS and HEADERS_TIMEOUT_SECONDS, as env.ts parses them. */
export type ListenerTimeouts = { keepAliveTimeoutSeconds: number; headersTimeoutSeconds: number };

const REQUEST_TIMEOUT_MS = 30_000;

/**
 * The limits for `timeouts`. The keep-alive outlasts a load balancer's idle timeout (60 s on most) so the balancer,
 * not us, closes idle sockets: else it may send a request on a socket we are closing, and answer 502. Node requires
 * requestTimeout ≥ headersTimeout, so the request timeout grows with a long headers timeout.
 */
export function serverLimits(timeouts: ListenerTimeouts): ServerLimits {
  const headersTimeout = timeouts.headersTimeoutSeconds * 1000;
  return {
    headersTimeout,
    requestTimeout: Math.max(REQUEST_TIMEOUT_MS, headersTimeout),
    keepAliveTimeout: timeouts.keepAliveTimeoutSeconds * 1000,
    connectionsCheckingInterval: 2_000,
  };
}

/** The defaults (KEEP_ALIVE_TIMEOUT_SECONDS=65, headers 66 s). */
export const SERVER_LIMITS: ServerLimits = serverLimits({ keepAliveTimeoutSeconds: 65, headersTimeoutSeconds: 66 });

/** Serves `fetch` on 0.0.0.0:`port` (0: any free port) with `limits`; resolves once listening. */
export function listen(
  fetch: Parameters<typeof serve>[0]['fetch'],
  port: number,
  limits: ServerLimits = SERVER_LIMITS,
): Promise<ServerType> {
  return new Promise((resolve, reject) => {
    const server = serve({ fetch, port, hostname: '0.0.0.0', serverOptions: limits }, () => resolve(server));
    server.once('error', reject);
  });
}

/**
 * Stops accepting connections and resolves once the requests in flight are answered (their kept-alive sockets are
 * closed as soon as they go idle), or after `graceMs`, when the connections still open are cut.
 */
export function closeGracefully(server: ServerType, graceMs: number): Promise<void> {
  const http = server as Server;
  return new Promise((resolve) => {
    const idleSweep = setInterval(() => http.closeIdleConnections(), 100);
    const deadline = setTimeout(() => http.closeAllConnections(), graceMs);
    http.close(() => {
      clearInterval(idleSweep);
      clearTimeout(deadline);
      resolve();
    });
  });
}
