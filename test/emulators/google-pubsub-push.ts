import { generateKeyPairSync, randomUUID } from 'node:crypto';
import type { Hono } from 'hono';
import { SignJWT, exportSPKI } from 'jose';

/** Where and as whom Pub/Sub pushes: the push subscription's endpoint, OIDC audience and service account. */
export type PushSubscriptionConfig = {
  /** The push endpoint URL (`--push-endpoint`). */
  endpoint: string;
  /** The service account the OIDC token is signed as (`--push-auth-service-account`). */
  serviceAccountEmail: string;
  /** The token's `aud` (`--push-auth-token-audience`); defaults to the endpoint, as Pub/Sub does. */
  audience?: string;
};

/** How the emulated Pub/Sub delivers: a delay before each push, extra copies of each message, or holding them all. */
export type PushDelivery = {
  delayMs?: number;
  /** Extra deliveries of every message (at-least-once delivery made visible). */
  duplicates?: number;
  /** Hold every message ("Pub/Sub down", or to reorder): nothing is pushed until `release()`. */
  held?: boolean;
};

/**
 * One push attempt, as the endpoint answered it: `sentAt` when the POST left (epoch ms, after any delay), `at` when
 * its answer came back.
 */
export type PushAttempt = { messageId: string; ceId: string; type: string; status: number; sentAt: number; at: number };

/** Claims to change in a minted push token (a wrong audience, a foreign issuer, an expired token…). */
export type PushTokenClaims = { iss?: string; aud?: string; email?: string; email_verified?: boolean; expiresInSec?: number };

export type PubSubPushControls = {
  /** Starts pushing to a push subscription (undefined: stop; messages published meanwhile are dropped, as with no subscription). */
  configure(config: PushSubscriptionConfig | undefined): void;
  setDelivery(delivery: PushDelivery): void;
  /** Delivers the held messages, in publish order or reversed (a `left` overtaking its `joined`). */
  release(order?: 'publish' | 'reverse'): void;
  /** Every push attempt so far. */
  attempts(): PushAttempt[];
  /** Resolves when nothing is waiting, in flight, or held. */
  idle(): Promise<void>;
  /** An OIDC token as Pub/Sub signs it for the configured subscription, with `claims` overriding. */
  mintToken(claims?: PushTokenClaims): Promise<string>;
};

/** The Workspace Events subscription an event is delivered through; `targetResource` becomes `ce-subject`. */
export type DeliveringSubscription = { name: string; targetResource: string };

/** A Workspace event to publish: a Meet event, or a subscription lifecycle event. */
export type PublishedEvent = { type: string; time: Date; data: unknown };

export type PubSubPush = PubSubPushControls & { publish(event: PublishedEvent, via: DeliveringSubscription): void; reset(): void };

const SUBSCRIPTION = 'projects/emulated-project/subscriptions/meet-events-push';
const RETRY_DELAYS_MS = [100, 200, 400, 800, 1_600];

/**
 * Cloud Pub/Sub push for the Meet events of subscribed spaces: each event is wrapped as Workspace Events
 * publishes it (CloudEvents `ce-*` attributes, base64 JSON data) in Pub/Sub's push envelope, and POSTed with an
 * OIDC token signed (RS256) by the emulated Google's key, whose public half `GET /oauth2/v1/certs` serves, as
 * `https://www.googleapis.com/oauth2/v1/certs` does. A push answered with anything but 102/200/201/202/204 is
 * retried with backoff, as Pub/Sub does (100 ms doubling, 5 retries: Pub/Sub's own start at 10 s). Unlike Pub/Sub,
 * deliveries go one at a time in the order sent, so a test's chosen order (`release('reverse')`) is exact. Serves the certificates on `app`.
 */
export function createPubSubPush(app: Hono<any>): PubSubPush {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const kid = randomUUID().replaceAll('-', '');
  const publicPem = exportSPKI(publicKey);
  // Google's certificates endpoint: kid → PEM. (Google serves X.509 certificates; a public key PEM verifies the same.)
  app.get('/oauth2/v1/certs', async (c) => {
    c.header('cache-control', 'public, max-age=300');
    return c.json({ [kid]: await publicPem });
  });

  let config: PushSubscriptionConfig | undefined;
  let delivery: PushDelivery = {};
  let held: { body: unknown; messageId: string; ceId: string; type: string }[] = [];
  let attempts: PushAttempt[] = [];
  let inFlight = 0;
  const idleWaiters: (() => void)[] = [];
  let generation = 0;

  const settle = () => {
    if (inFlight > 0 || held.length > 0) return;
    for (const resolve of idleWaiters.splice(0)) resolve();
  };

  const mintToken = async (claims: PushTokenClaims = {}) => {
    const target = config ?? {
      endpoint: 'http://unconfigured',
      serviceAccountEmail: 'unconfigured@emulated-project.iam.gserviceaccount.com',
    };
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({
      email: claims.email ?? target.serviceAccountEmail,
      email_verified: claims.email_verified ?? true,
      azp: '100000000000000000001',
      sub: '100000000000000000001',
    })
      .setProtectedHeader({ alg: 'RS256', kid, typ: 'JWT' })
      .setIssuer(claims.iss ?? 'https://accounts.google.com')
      .setAudience(claims.aud ?? target.audience ?? target.endpoint)
      .setIssuedAt(now - (claims.expiresInSec !== undefined && claims.expiresInSec < 0 ? 7_200 : 0))
      .setExpirationTime(now + (claims.expiresInSec ?? 3_600))
      .sign(privateKey);
  };

  async function push(message: (typeof held)[number], attempt = 0, at = generation): Promise<void> {
    if (!config || at !== generation) return;
    const sentAt = Date.now();
    const response = await fetch(config.endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${await mintToken()}` },
      body: JSON.stringify(message.body),
    }).catch(() => undefined);
    const status = response?.status ?? 0;
    await response?.body?.cancel();
    if (at !== generation) return;
    attempts.push({ messageId: message.messageId, ceId: message.ceId, type: message.type, status, sentAt, at: Date.now() });
    if ([102, 200, 201, 202, 204].includes(status) || attempt >= RETRY_DELAYS_MS.length) return;
    await new Promise((resolve) => setTimeout(resolve, RETRY_DELAYS_MS[attempt]));
    return push(message, attempt + 1, at);
  }

  // One delivery at a time, in the order sent (a retry holds the ones behind it): tests see a chosen order exactly.
  let chain: Promise<void> = Promise.resolve();
  const send = (message: (typeof held)[number]) => {
    for (let copy = 0; copy <= (delivery.duplicates ?? 0); copy += 1) {
      inFlight += 1;
      const at = generation;
      const delayMs = delivery.delayMs ?? 0;
      chain = chain
        .then(() => new Promise((resolve) => setTimeout(resolve, delayMs)))
        .then(() => push(message, 0, at))
        .finally(() => {
          if (at !== generation) return;
          inFlight -= 1;
          settle();
        });
    }
  };

  const release = (order: 'publish' | 'reverse' = 'publish') => {
    const batch = held.splice(0);
    for (const message of order === 'reverse' ? batch.reverse() : batch) send(message);
    settle();
  };

  return {
    configure: (next) => void (config = next),
    setDelivery(next) {
      delivery = { ...next };
      if (!delivery.held) release();
    },
    release,
    attempts: () => [...attempts],
    idle: () => new Promise<void>((resolve) => (idleWaiters.push(resolve), settle())),
    mintToken,
    publish(event, via) {
      if (!config) return;
      const messageId = String(Date.now()) + String(Math.floor(Math.random() * 1e6)).padStart(6, '0');
      const ceId = randomUUID();
      const publishTime = new Date().toISOString();
      const data = Buffer.from(JSON.stringify(event.data)).toString('base64');
      const attributes = {
        'ce-datacontenttype': 'application/json',
        'ce-id': ceId,
        'ce-source': `//workspaceevents.googleapis.com/${via.name}`,
        'ce-specversion': '1.0',
        'ce-subject': via.targetResource,
        'ce-time': event.time.toISOString(),
        'ce-type': event.type,
      };
      const body = {
        message: { attributes, data, messageId, message_id: messageId, publishTime, publish_time: publishTime },
        subscription: SUBSCRIPTION,
      };
      const message = { body, messageId, ceId, type: event.type };
      if (delivery.held) held.push(message);
      else send(message);
    },
    reset() {
      generation += 1;
      config = undefined;
      delivery = {};
      held = [];
      attempts = [];
      inFlight = 0;
      settle();
    },
  };
}
