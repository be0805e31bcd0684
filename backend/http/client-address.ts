import type { IncomingMessage } from 'node:http';
import { getConnInfo } from '@hono/node-server/conninfo';
import type { MiddlewareHandler } from 'hono';
import proxyAddr from 'proxy-addr';
import type { AppEnv } from './app-env.ts';

/**
 * TRUST_PROXY: which peers may name the client in `X-Forwarded-For`. `false`: none (the socket's peer is the
 * client); `hops`: that many proxies in front of us, whatever their addresses (Express's numeric `trust proxy`);
 * `addresses`: proxies at these addresses or CIDR ranges (`loopback`, `linklocal` and `uniquelocal` also allowed).
 */
export type TrustProxy = false | { hops: number } | { addresses: string[] };

/** proxy-addr's trust function for `trust`; throws TypeError on an address or range it cannot parse. */
export function compileTrust(trust: TrustProxy): (address: string, hop: number) => boolean {
  if (trust === false) return () => false;
  if ('hops' in trust) return (_address, hop) => hop < trust.hops;
  return proxyAddr.compile(trust.addresses);
}

/**
 * Sets `clientAddress`: the socket's peer, or the X-Forwarded-For entry the trusted proxies vouch for (read right
 * to left, stopping at the first untrusted hop, so a client cannot spoof its way past them). `unknown` outside the
 * Node server (app.request() in tests).
 */
export function clientAddress(trust: TrustProxy): MiddlewareHandler<AppEnv> {
  const trusted = compileTrust(trust);
  return async (c, next) => {
    let address = 'unknown';
    try {
      const remoteAddress = getConnInfo(c).remote.address;
      const request = { socket: { remoteAddress }, headers: { 'x-forwarded-for': c.req.header('x-forwarded-for') } };
      address = remoteAddress ? proxyAddr(request as unknown as IncomingMessage, trusted) : 'unknown';
    } catch {
      // No Node socket behind this request.
    }
    c.set('clientAddress', address);
    await next();
  };
}
