import * as Ably from 'ably';
import { JWT } from 'google-auth-library';
import { calendar_v3 } from '../../backend/google/google-apis.ts';
import twilio from 'twilio';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startEmulators, type Emulators } from './index.ts';

// The three emulators as `startEmulators` wires them, driven with the env a backend gets, plus fault injection.
let emulators: Emulators;

const twilioClient = () => {
  const client = twilio(emulators.backendEnv.TWILIO_ACCOUNT_SID, emulators.backendEnv.TWILIO_AUTH_TOKEN);
  client.api.baseUrl = emulators.backendEnv.TWILIO_API_URL;
  return client;
};
const sms = () => twilioClient().messages.create({ to: '+14155550123', from: emulators.backendEnv.TWILIO_FROM_NUMBER, body: 'hi' });

const ablyChannel = () => {
  const url = new URL(emulators.backendEnv.ABLY_REST_URL);
  return new Ably.Rest({ key: emulators.backendEnv.ABLY_API_KEY, endpoint: url.hostname, port: Number(url.port), tls: false }).channels.get(
    'c',
  );
};

const calendar = () => {
  const key = JSON.parse(Buffer.from(emulators.backendEnv.GOOGLE_SERVICE_ACCOUNT_KEY, 'base64').toString('utf8'));
  const fetchImplementation: typeof fetch = (input, init) =>
    fetch(String(input) === 'https://oauth2.googleapis.com/token' ? `${emulators.backendEnv.GOOGLE_OAUTH_URL}/token` : input, init);
  const auth = new JWT({
    email: key.client_email,
    key: key.private_key,
    scopes: ['https://www.googleapis.com/auth/calendar'],
    subject: 'solver@example.com',
    transporterOptions: { fetchImplementation },
  });
  return new calendar_v3.Calendar({ auth, rootUrl: `${emulators.backendEnv.GOOGLE_API_URL}/` });
};
const insert = () =>
  calendar().events.insert({
    calendarId: 'solver@example.com',
    requestBody: { start: { dateTime: new Date().toISOString() }, end: { dateTime: new Date(Date.now() + 60_000).toISOString() } },
  });

beforeAll(async () => {
  emulators = await startEmulators();
});
afterAll(() => emulators.close());
afterEach(() => emulators.reset());

describe('startEmulators', () => {
  it('gives a backend env with a real service-account key and loopback URLs', () => {
    const env = emulators.backendEnv;
    const key = JSON.parse(Buffer.from(env.GOOGLE_SERVICE_ACCOUNT_KEY, 'base64').toString('utf8'));
    expect(key).toMatchObject({
      type: 'service_account',
      client_email: emulators.serviceAccount.clientEmail,
      token_uri: 'https://oauth2.googleapis.com/token',
    });
    expect(key.private_key).toContain('BEGIN PRIVATE KEY');
    expect(env).toMatchObject({
      GOOGLE_OAUTH_URL: emulators.google.url,
      GOOGLE_API_URL: emulators.google.url,
      GOOGLE_WORKSPACE_EVENTS_URL: emulators.google.url,
      ABLY_REST_URL: emulators.ably.url,
    });
    // The realtime endpoint too: the extension never reaches Ably's own hosts.
    expect(env.ABLY_REALTIME_URL).toBe(`ws://127.0.0.1:${emulators.ably.port}`);
    expect(env.TWILIO_ACCOUNT_SID).toMatch(/^AC[0-9a-f]{32}$/);
    expect(Object.values(env).filter((value) => value.startsWith('http'))).toHaveLength(6);
    expect(
      Object.values(env)
        .filter((value) => value.startsWith('http'))
        .every((value) => value.startsWith('http://127.0.0.1:')),
    ).toBe(true);
  });

  it('reset() clears faults, records and stored data on all three', async () => {
    await Promise.all([sms(), ablyChannel().publish('n', 'd'), insert()]);
    emulators.twilio.faults.set('messages.create', { status: 500 });
    emulators.reset();
    expect([emulators.twilio.messages(), emulators.ably.messages(), emulators.google.calendar.events()]).toEqual([[], [], []]);
    expect(emulators.google.requests()).toEqual([]);
    await expect(sms()).resolves.toMatchObject({ status: 'queued' });
  });
});

describe('fault injection', () => {
  it('fails the given number of requests with the service’s own error, then lets them through', async () => {
    emulators.twilio.faults.set('messages.create', { status: 503, times: 2 });
    for (let attempt = 0; attempt < 2; attempt++) await expect(sms()).rejects.toMatchObject({ status: 503, code: 20503 });
    await expect(sms()).resolves.toMatchObject({ status: 'queued' });
    expect(emulators.twilio.requests('messages.create')).toHaveLength(3);
    expect(emulators.twilio.messages()).toHaveLength(1);

    emulators.ably.faults.set('publish', { status: 503, times: 1 });
    await expect(ablyChannel().publish('n', 'd')).rejects.toMatchObject({ statusCode: 503 });
    await ablyChannel().publish('n', 'd');
    expect(emulators.ably.messages('c')).toHaveLength(1);
  });

  it('delays requests by latencyMs, and a custom body replaces the default one', async () => {
    emulators.ably.faults.set('publish', { latencyMs: 300, times: 1 });
    const started = Date.now();
    await ablyChannel().publish('n', 'slow');
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    const fast = Date.now();
    await ablyChannel().publish('n', 'fast');
    expect(Date.now() - fast).toBeLessThan(250);

    emulators.google.faults.set('events.insert', {
      status: 403,
      body: { error: { code: 403, message: 'custom', errors: [{ reason: 'custom' }] } },
    });
    await expect(insert()).rejects.toMatchObject({ status: 403, message: 'custom' });
    await expect(insert()).rejects.toMatchObject({ status: 403 });
    emulators.clearFaults();
    await expect(insert()).resolves.toMatchObject({ status: 200 });
  });

  it('takes faults and serves records over HTTP for other processes, and refuses unknown routes', async () => {
    const control = (path: string, init?: RequestInit) => fetch(`${emulators.google.url}/__emulator/${path}`, init);
    const json = { 'content-type': 'application/json' };
    const set = await control('faults', {
      method: 'POST',
      headers: json,
      body: JSON.stringify({ route: 'events.insert', status: 429, times: 1 }),
    });
    expect(set.status).toBe(204);
    const limited = await insert().catch((error: { status?: number; response?: { data?: any } }) => error);
    expect(limited).toMatchObject({
      status: 429,
      response: { data: { error: { errors: [{ reason: 'rateLimitExceeded', domain: 'usageLimits' }] } } },
    });
    await expect(insert()).resolves.toMatchObject({ status: 200 });

    const { requests } = await (await control('requests?route=events.insert')).json();
    expect(requests).toHaveLength(2);
    expect(requests[0]).toMatchObject({ route: 'events.insert', method: 'POST', query: {} });

    expect((await control('faults', { method: 'POST', headers: json, body: JSON.stringify({ route: 'nope', status: 500 }) })).status).toBe(
      400,
    );
    expect(() => emulators.google.faults.set('events.list' as never, { status: 500 })).toThrow(/Unknown route/);
    expect((await control('reset', { method: 'POST' })).status).toBe(204);
    expect(emulators.google.requests()).toEqual([]);
  });
});
