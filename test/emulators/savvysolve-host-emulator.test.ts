import { randomBytes } from 'node:crypto';
import { Hono } from 'hono';
import { Webhook } from 'standardwebhooks';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { listen, type Listening } from './listen.ts';
import { startSavvySolveHostEmulator, type HostSession, type SavvySolveHostEmulator } from './savvysolve-host-emulator.ts';

const newSecret = () => `whsec_${randomBytes(24).toString('base64')}`;
const SECRET = newSecret();
const OLD_SECRET = newSecret();
const API_TOKEN = 'host-api-token';
const SESSION: HostSession = {
  sessionId: '6f1c2a8e-3b4d-4e5f-8a9b-0c1d2e3f4a5b',
  solverEmail: 'solver@example.com',
  customerName: 'Ada Lovelace',
  customerPhone: '+14155550123',
  status: 'active',
  occurredAt: '2025-01-02T03:04:05.000Z',
};

type Received = { headers: Record<string, string>; payload: string };
let host: SavvySolveHostEmulator;
let backend: Listening & { received: Received[] };

/** Signs and POSTs an envelope to the emulator's /events, as our backend would. */
async function postEvent(type: string, data: unknown, { secret = SECRET, webhookId = 'msg_1', tamper = false } = {}) {
  const timestamp = new Date();
  const payload = JSON.stringify({ type, timestamp: timestamp.toISOString(), data });
  const response = await fetch(host.eventsUrl, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'webhook-id': webhookId,
      'webhook-timestamp': String(Math.floor(timestamp.getTime() / 1000)),
      'webhook-signature': new Webhook(secret).sign(webhookId, timestamp, payload),
    },
    body: tamper ? payload.replace('"data":{', '"data":{"extra":1,') : payload,
  });
  return { status: response.status, body: await response.text() };
}

const getSession = (id: string, token: string | null = API_TOKEN) =>
  fetch(`${host.apiUrl}/sessions/${id}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });

/** A stand-in for our backend's webhook route: records what it got, answers 204. */
async function startBackend() {
  const received: Received[] = [];
  const app = new Hono().post('/webhooks/savvysolve', async (c) => {
    received.push({ headers: c.req.header(), payload: await c.req.text() });
    return c.body(null, 204);
  });
  return { ...(await listen(app.fetch)), received };
}

beforeAll(async () => {
  [host, backend] = await Promise.all([
    startSavvySolveHostEmulator({ secret: `${SECRET},${OLD_SECRET}`, apiToken: API_TOKEN }),
    startBackend(),
  ]);
});
afterAll(() => Promise.all([host.close(), backend.close()]));
afterEach(() => {
  host.reset();
  backend.received.length = 0;
});

describe('POST /events', () => {
  const data = { sessionId: SESSION.sessionId, endedAt: '2025-01-02T04:00:00.000Z' };

  it('records a signed event as valid and answers 204', async () => {
    expect(await postEvent('session.meet_ended', data)).toEqual({ status: 204, body: '' });
    expect(host.events()).toMatchObject([{ webhookId: 'msg_1', type: 'session.meet_ended', data, signatureValid: true, status: 204 }]);
    expect(host.events()[0]?.webhookTimestamp).toMatch(/^\d{10}$/);
    expect(host.requests('events')).toHaveLength(1);
  });

  it('accepts any of several comma-separated secrets', async () => {
    expect((await postEvent('session.meet_ended', data, { secret: OLD_SECRET })).status).toBe(204);
    expect(host.events()[0]?.signatureValid).toBe(true);
  });

  it('records a tampered or wrongly signed event as invalid and answers 401', async () => {
    expect(await postEvent('session.meet_ended', data, { tamper: true })).toEqual({ status: 401, body: '{"error":"invalid signature"}' });
    expect((await postEvent('session.meet_ended', data, { secret: newSecret(), webhookId: 'msg_2' })).status).toBe(401);
    expect(host.events()).toMatchObject([
      { webhookId: 'msg_1', signatureValid: false, status: 401, data: { extra: 1 } },
      { webhookId: 'msg_2', signatureValid: false, status: 401 },
    ]);
  });

  it('answers injected faults, keeps every delivery in events() and one per id in uniqueEvents()', async () => {
    host.faults.set('events', { status: 503, times: 2 });
    expect((await postEvent('session.meet_ended', data)).status).toBe(503);
    expect((await postEvent('session.meet_ended', data)).status).toBe(503);
    expect((await postEvent('session.meet_ended', data)).status).toBe(204);
    expect((await postEvent('sms.status_changed', { sessionId: SESSION.sessionId }, { webhookId: 'msg_2' })).status).toBe(204);
    expect(host.events().map((event) => [event.webhookId, event.status])).toEqual([
      ['msg_1', 503],
      ['msg_1', 503],
      ['msg_1', 204],
      ['msg_2', 204],
    ]);
    expect(host.uniqueEvents().map((event) => event.webhookId)).toEqual(['msg_1', 'msg_2']);
  });

  it('applies injected latency', async () => {
    host.faults.set('events', { latencyMs: 200, times: 1 });
    const started = Date.now();
    expect((await postEvent('session.meet_ended', data)).status).toBe(204);
    expect(Date.now() - started).toBeGreaterThanOrEqual(190);
  });

  it('lists received events on the inbox page and as JSON', async () => {
    await postEvent('session.meet_ended', data);
    await postEvent('sms.status_changed', { sessionId: SESSION.sessionId }, { webhookId: 'msg_<2>', tamper: true });
    const page = await (await fetch(`${host.url}/__emulator/inbox`)).text();
    expect(page).toContain('(2)');
    expect(page.indexOf('sms.status_changed')).toBeLessThan(page.indexOf('session.meet_ended'));
    expect(page).toContain('msg_&lt;2&gt;');
    expect(page).toContain('INVALID');
    const json = (await (await fetch(`${host.url}/__emulator/events`)).json()) as { events: unknown[] };
    expect(json.events).toMatchObject([{ type: 'session.meet_ended' }, { type: 'sms.status_changed', signatureValid: false }]);
  });
});

describe('GET /api/sessions/:id', () => {
  it('requires the bearer token', async () => {
    host.putSession(SESSION);
    for (const token of [null, 'wrong']) {
      const response = await getSession(SESSION.sessionId, token);
      expect(response.status).toBe(401);
      expect(await response.json()).toEqual({ error: 'unauthorized' });
    }
  });

  it('answers 404 for an unknown or removed session, 200 with the session for a known one', async () => {
    expect(await (await getSession(SESSION.sessionId)).json()).toEqual({ error: 'not found' });
    host.putSession(SESSION);
    const response = await getSession(SESSION.sessionId.toUpperCase());
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual(SESSION);
    host.removeSession(SESSION.sessionId);
    expect((await getSession(SESSION.sessionId)).status).toBe(404);
  });

  it('applies faults: a down host and a slow one', async () => {
    host.putSession(SESSION);
    host.faults.set('sessions.get', { status: 503, times: 1 });
    const down = await getSession(SESSION.sessionId);
    expect(down.status).toBe(503);
    expect(await down.json()).toEqual({ error: 'Emulated fault (HTTP 503)' });
    host.faults.set('sessions.get', { latencyMs: 200, times: 1 });
    const started = Date.now();
    expect((await getSession(SESSION.sessionId)).status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(190);
    expect(host.requests('sessions.get')).toHaveLength(2);
  });
});

describe('sendWebhook', () => {
  const targetUrl = () => `${backend.url}/webhooks/savvysolve`;

  it('POSTs a Standard Webhooks envelope that the standardwebhooks package verifies', async () => {
    const result = await host.sendWebhook(targetUrl(), 'session.upserted', SESSION);
    expect(result).toMatchObject({ status: 204, body: undefined });
    expect(result.webhookId).toMatch(/^msg_[\w-]{20}$/);
    const [request] = backend.received;
    expect(request?.headers).toMatchObject({ 'content-type': 'application/json', 'webhook-id': result.webhookId });
    const envelope = new Webhook(SECRET).verify(request!.payload, request!.headers) as Record<string, unknown>;
    expect(envelope).toEqual({ type: 'session.upserted', timestamp: expect.any(String), data: SESSION });
    expect(Date.parse(envelope.timestamp as string)).toBeGreaterThan(Date.now() - 5_000);
    expect(() => new Webhook(OLD_SECRET).verify(request!.payload, request!.headers)).toThrow();
  });

  it('honours a given id, timestamp, secret and raw body', async () => {
    const timestamp = new Date(Date.now() - 60_000);
    await host.sendWebhook(targetUrl(), 'session.ended', {}, { webhookId: 'msg_fixed', timestamp, secret: OLD_SECRET, body: '{not json' });
    const [request] = backend.received;
    expect(request).toMatchObject({
      payload: '{not json',
      headers: { 'webhook-id': 'msg_fixed', 'webhook-timestamp': String(Math.floor(timestamp.getTime() / 1000)) },
    });
    expect(new Webhook(OLD_SECRET).verify(request!.payload, request!.headers, { jsonParse: false })).toBeUndefined();
  });

  it('round-trips into its own /events and answers the receiver status and body', async () => {
    const result = await host.sendWebhook(host.eventsUrl, 'session.meet_ended', { sessionId: SESSION.sessionId });
    expect(host.events()).toMatchObject([{ webhookId: result.webhookId, signatureValid: true }]);
    host.faults.set('events', { status: 500, body: { error: 'boom' }, times: 1 });
    expect(await host.sendWebhook(host.eventsUrl, 'x', {})).toMatchObject({ status: 500, body: { error: 'boom' } });
  });

  it('refuses non-loopback URLs', async () => {
    await expect(host.sendWebhook('https://example.com/webhooks', 'x', {})).rejects.toThrow(/loopback/);
  });
});
