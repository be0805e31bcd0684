import type { Server } from 'node:http';
import { Hono } from 'hono';
import { afterEach, describe, expect, it } from 'vitest';
import type { AppEnv } from './app-env.ts';
import { clientAddress, type TrustProxy } from './client-address.ts';
import { listen } from './listener.ts';

// Over a real socket: the peer is 127.0.0.1, so "trusted" and "untrusted" are decided by TRUST_PROXY alone.
let servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  servers = [];
});

/** The address the middleware settles on for a request carrying `forwardedFor` (undefined: no header). */
async function seenAddress(trust: TrustProxy, forwardedFor?: string): Promise<string> {
  const app = new Hono<AppEnv>().use(clientAddress(trust)).get('/', (c) => c.text(c.get('clientAddress')));
  const server = (await listen(app.fetch, 0)) as Server;
  servers.push(server);
  const { port } = server.address() as { port: number };
  const response = await fetch(`http://127.0.0.1:${port}/`, { headers: forwardedFor ? { 'x-forwarded-for': forwardedFor } : {} });
  return response.text();
}

describe('the client address', () => {
  it.each<[string, TrustProxy, string | undefined, string]>([
    ['no proxy trusted: a spoofed header is ignored', false, '203.0.113.7', '127.0.0.1'],
    ['the peer is not one of the trusted proxies: its header is ignored', { addresses: ['10.0.0.0/8'] }, '203.0.113.7', '127.0.0.1'],
    ['a trusted peer names the client', { addresses: ['loopback'] }, '203.0.113.7', '203.0.113.7'],
    ['a trusted CIDR range names the client', { addresses: ['127.0.0.0/8'] }, '203.0.113.7', '203.0.113.7'],
    ['a client prepending its own entry cannot skip the proxy', { addresses: ['loopback'] }, '198.51.100.1, 203.0.113.7', '203.0.113.7'],
    ['one hop: the entry the proxy appended', { hops: 1 }, '198.51.100.1, 203.0.113.7', '203.0.113.7'],
    ['two hops: the entry before the second proxy', { hops: 2 }, '198.51.100.1, 203.0.113.7', '198.51.100.1'],
    ['a trusted peer without the header is the client', { hops: 1 }, undefined, '127.0.0.1'],
  ])('%s', async (_name, trust, forwardedFor, expected) => {
    expect(await seenAddress(trust, forwardedFor)).toBe(expected);
  });

  it('is unknown without a Node socket (app.request in tests)', async () => {
    const app = new Hono<AppEnv>().use(clientAddress({ hops: 1 })).get('/', (c) => c.text(c.get('clientAddress')));
    expect(await (await app.request('/', { headers: { 'x-forwarded-for': '203.0.113.7' } })).text()).toBe('unknown');
  });
});
