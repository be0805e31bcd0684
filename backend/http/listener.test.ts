import type { Server } from 'node:http';
import { connect, type Socket } from 'node:net';
import { Hono } from 'hono';
import { afterEach, describe, expect, it } from 'vitest';
import { listen, SERVER_LIMITS } from './listener.ts';

// Slow clients against the real Node server: a raw socket trickling bytes, the way slowloris does.
const SHORT = { headersTimeout: 600, requestTimeout: 1_200, keepAliveTimeout: 300, connectionsCheckingInterval: 100 };
const app = new Hono().post('/echo', async (c) => c.text(`got ${(await c.req.text()).length} bytes`));
// Reading the body of a request Node gave up on rejects ("aborted"); nobody is left to answer.
app.onError((_error, c) => c.body(null, 400));
let servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  servers = [];
});

async function start(limits = SHORT) {
  const server = (await listen(app.fetch, 0, limits)) as Server;
  servers.push(server);
  return (server.address() as { port: number }).port;
}

/** Writes `head`, then one byte of `drip` every `everyMs`; resolves with what the server sent and when it hung up. */
function trickle(port: number, head: string, drip: string, everyMs: number) {
  return new Promise<{ answer: string; closedAfterMs: number; bytesSent: number }>((resolve, reject) => {
    const started = Date.now();
    const socket: Socket = connect(port, '127.0.0.1');
    let answer = '';
    let bytesSent = 0;
    let timer: NodeJS.Timeout | undefined;
    socket.setEncoding('utf8').on('data', (chunk: string) => (answer += chunk));
    socket.once('connect', () => {
      socket.write(head);
      timer = setInterval(() => {
        if (bytesSent < drip.length && !socket.destroyed) socket.write(drip[bytesSent++]!);
      }, everyMs);
    });
    socket.once('close', () => {
      clearInterval(timer);
      resolve({ answer, closedAfterMs: Date.now() - started, bytesSent });
    });
    socket.once('error', (error) => (error as NodeJS.ErrnoException).code !== 'ECONNRESET' && reject(error));
    setTimeout(() => socket.destroy(), 10_000);
  });
}

describe('server limits', () => {
  it('serves with the production limits by default', async () => {
    const server = (await listen(app.fetch, 0)) as Server;
    servers.push(server);
    expect(SERVER_LIMITS).toMatchObject({ headersTimeout: 66_000, requestTimeout: 66_000, keepAliveTimeout: 65_000 });
    expect({ headers: server.headersTimeout, request: server.requestTimeout, keepAlive: server.keepAliveTimeout }).toEqual({
      headers: 66_000,
      request: 66_000,
      keepAlive: 65_000,
    });
  });

  it('cuts off a client trickling its body one byte at a time with 408', async () => {
    const port = await start();
    const body = 'x'.repeat(100);
    const result = await trickle(
      port,
      `POST /echo HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: ${body.length}\r\n\r\n`,
      body,
      250,
    );
    expect(result.answer).toMatch(/^HTTP\/1\.1 408 Request Timeout/);
    expect(result.closedAfterMs).toBeGreaterThanOrEqual(1_100);
    expect(result.closedAfterMs).toBeLessThan(3_000);
    expect(result.bytesSent).toBeLessThan(body.length);
  });

  it('cuts off a client trickling its headers', async () => {
    const port = await start();
    const result = await trickle(port, 'POST /echo HTTP/1.1\r\n', `X-Slow: ${'y'.repeat(100)}`, 100);
    expect(result.answer).toMatch(/^HTTP\/1\.1 408 Request Timeout/);
    expect(result.closedAfterMs).toBeLessThan(2_000);
  });

  it('still serves a client that sends in time, and closes its idle kept-alive connection', async () => {
    const port = await start();
    const result = await trickle(port, 'POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc', '', 1_000);
    expect(result.answer).toMatch(/^HTTP\/1\.1 200 OK[\s\S]*got 3 bytes$/);
    // Node 24 waits keepAliveTimeoutBuffer (1 s) beyond keepAliveTimeout.
    expect(result.closedAfterMs).toBeLessThan(SHORT.keepAliveTimeout + 1_000 + 500);
  });
});
