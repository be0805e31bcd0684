import { decode as decodeMsgpack } from '@ably/msgpack-js';
import { Hono, type MiddlewareHandler } from 'hono';
import { createFaults, waitOutLatency, type Fault, type Faults } from './faults.ts';
import { createRecorder, type RecordedRequest, type Recorder } from './recorder.ts';

/** The parsed request body, shared by the recording middleware and the route handler. */
export type EmulatorEnv = { Variables: { body: unknown } };

export type EmulatorAppOptions<Route extends string> = {
  routes: readonly Route[];
  /** The service's own error body for an injected status without a `body`. */
  faultBody(route: Route, status: number): unknown;
  /** Clears the emulator's stored state (faults and records are cleared by the harness). */
  resetState(): void;
};

export type EmulatorApp<Route extends string> = {
  app: Hono<EmulatorEnv>;
  faults: Faults<Route>;
  recorder: Recorder<Route>;
  /** Middleware for one route: parses and records the request, then applies its fault, if any. */
  route(key: Route): MiddlewareHandler<EmulatorEnv>;
  reset(): void;
};

/**
 * The parts every emulator shares: per-route recording and fault injection, and the control API for other
 * processes: `POST /__emulator/faults {route, status, body, latencyMs, times}`, `DELETE /__emulator/faults`,
 * `GET /__emulator/requests[?route=]`, `POST /__emulator/reset`.
 */
export function createEmulatorApp<Route extends string>(options: EmulatorAppOptions<Route>): EmulatorApp<Route> {
  const faults = createFaults(options.routes);
  const recorder = createRecorder<Route>();
  const app = new Hono<EmulatorEnv>();
  const reset = () => {
    faults.clear();
    recorder.clear();
    options.resetState();
  };

  app.post('/__emulator/faults', async (c) => {
    const { route, ...fault } = (await c.req.json()) as Fault & { route: Route };
    try {
      faults.set(route, fault);
    } catch (error) {
      return c.json({ error: (error as Error).message }, 400);
    }
    return c.body(null, 204);
  });
  app.delete('/__emulator/faults', (c) => {
    faults.clear();
    return c.body(null, 204);
  });
  app.get('/__emulator/requests', (c) => c.json({ requests: recorder.requests(c.req.query('route') as Route | undefined) }));
  app.post('/__emulator/reset', (c) => {
    reset();
    return c.body(null, 204);
  });

  const route =
    (key: Route): MiddlewareHandler<EmulatorEnv> =>
    async (c, next) => {
      const body = parseBody(c.req.header('content-type'), new Uint8Array(await c.req.arrayBuffer()));
      c.set('body', body);
      const request: RecordedRequest<Route> = {
        route: key,
        method: c.req.method,
        path: c.req.path,
        query: c.req.query(),
        headers: c.req.header(),
        body,
        receivedAt: Date.now(),
      };
      recorder.record(request);
      const fault = faults.take(key);
      if (fault?.latencyMs) await waitOutLatency(fault.latencyMs);
      if (fault?.status) {
        return new Response(JSON.stringify(fault.body ?? options.faultBody(key, fault.status)), {
          status: fault.status,
          headers: { 'content-type': 'application/json' },
        });
      }
      await next();
    };

  return { app, faults, recorder, route, reset };
}

/** JSON, form or msgpack bodies as values; anything else (or malformed) as text, for the handler to refuse; no body as undefined. */
function parseBody(contentType: string | undefined, bytes: Uint8Array): unknown {
  if (bytes.length === 0) return undefined;
  const type = contentType?.split(';')[0]?.trim().toLowerCase();
  const text = () => new TextDecoder().decode(bytes);
  try {
    if (type === 'application/x-msgpack') return decodeMsgpack(Buffer.from(bytes));
    if (type === 'application/json') return JSON.parse(text());
  } catch {
    return text();
  }
  if (type === 'application/x-www-form-urlencoded') return Object.fromEntries(new URLSearchParams(text()));
  return text();
}
