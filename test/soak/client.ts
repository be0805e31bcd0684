import { hc, type ClientRequestOptions } from 'hono/client';
import type { AppType } from '../../backend/app.ts';
import { eventually } from '../support/eventually.ts';
import type { Random } from './random.ts';
import type { Instance, World } from './world.ts';

/** What one request ended with, as a client saw it: status 0 when no instance answered. */
export type Answer = { status: number; body: any; ms: number; instance: string; connectionErrors: number };

/** Hono's client typed by the backend's routes, at one instance. */
export type InstanceApi = ReturnType<typeof hc<AppType>>;

const REQUEST_TIMEOUT_MS = 45_000;
/** Longest a client waits for any instance to be up (PGlite: the only one is restarting). */
const WAIT_FOR_INSTANCE_MS = 90_000;
const MAX_ATTEMPTS = 4;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The soak's clients: the extension's calls and the host's webhooks, each to an instance that is up, and — when the
 * instance dies under the request (a connection error, expected after a SIGKILL) — again to another one, as a
 * client behind a load balancer would. `retry: false` for calls that must not be repeated blindly (a resend).
 */
export function createClient(world: World, random: Random, onConnectionError: () => void) {
  /** An instance that is up, other than `avoid` when another one is; waits (bounded) while none is. */
  function pick(avoid?: Instance): Promise<Instance | undefined> {
    const choose = () => {
      const alive = world.instances.filter((instance) => instance.alive);
      const preferred = alive.filter((instance) => instance !== avoid);
      return preferred.length > 0 ? random.pick(preferred) : alive[0];
    };
    return eventually(choose, 'an instance up', WAIT_FOR_INSTANCE_MS).catch(() => undefined);
  }

  async function withFailover(
    send: (instance: Instance) => Promise<{ status: number; body: any }>,
    options: { instance?: Instance; retry?: boolean } = {},
  ): Promise<Answer> {
    const started = performance.now();
    let connectionErrors = 0;
    let instance = options.instance?.alive ? options.instance : await pick();
    for (let attempt = 1; instance && attempt <= MAX_ATTEMPTS; attempt++) {
      const target = instance;
      target.inFlight += 1;
      try {
        const { status, body } = await send(target);
        return { status, body, ms: performance.now() - started, instance: target.name, connectionErrors };
      } catch (error) {
        connectionErrors += 1;
        onConnectionError();
        // Refused: the request never reached a backend, so even a call that must not be repeated blindly is safe to send again.
        if (options.retry === false && !refused(error)) break;
        instance = await pick(instance);
      } finally {
        target.inFlight -= 1;
      }
    }
    return { status: 0, body: undefined, ms: performance.now() - started, instance: instance?.name ?? '-', connectionErrors };
  }

  /**
   * An extension call (`Authorization: Bearer <solver token>`) through the typed client, e.g.
   * `(api, request) => api.api.meet.links.$post({ json: { sessionId } }, request)`.
   */
  const call = (
    send: (api: InstanceApi, request: ClientRequestOptions) => Promise<Response>,
    token: string,
    options?: { instance?: Instance; retry?: boolean },
  ) =>
    withFailover(async (instance) => {
      const response = await send(hc<AppType>(instance.url), {
        headers: { authorization: `Bearer ${token}` },
        init: { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) },
      });
      const text = await response.text();
      return { status: response.status, body: text ? safeJson(text) : undefined };
    }, options);

  /**
   * A signed host event, retried as the SavvySolve app would: the same `webhook-id` and signature time on every
   * attempt, on another instance after a connection error, again after a 5xx or 409 (bounded).
   */
  async function webhook(type: string, data: unknown, options: { webhookId?: string; timestamp?: Date; instance?: Instance } = {}) {
    const webhookId = options.webhookId ?? `msg_soak_${random.next().toString(36).slice(2)}${Date.now().toString(36)}`;
    const timestamp = options.timestamp ?? new Date();
    let answer: Answer | undefined;
    for (let round = 1; round <= 3; round++) {
      answer = await withFailover(
        async (instance) => {
          const sent = await world.host.sendWebhook(world.webhookUrl(instance), type, data, { webhookId, timestamp });
          return { status: sent.status, body: sent.body };
        },
        { instance: round === 1 ? options.instance : undefined },
      );
      if (answer.status !== 0 && answer.status < 500 && answer.status !== 409) break;
      await sleep(300 * round); // a clock on purpose: the host's retry back-off is part of the load's shape
    }
    return { ...answer!, webhookId };
  }

  return { call, webhook, pick };
}

export type Client = ReturnType<typeof createClient>;

const refused = (error: unknown) => (error as { cause?: { code?: string } }).cause?.code === 'ECONNREFUSED';

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
