import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startGoogleEmulator, type GoogleEmulator } from '../../test/emulators/google-emulator.ts';
import { createGoogleTokenVerifier, GoogleUnavailableError } from './google-token-verifier.ts';

// Against the Google emulator: how many tokeninfo calls one verification costs when Google fails.
let google: GoogleEmulator;
let token: string;

beforeAll(async () => {
  google = await startGoogleEmulator();
  token = google.issueAccessToken({ email: 'ada@example.com', audience: 'ext-client' });
});
afterAll(async () => google?.close());
beforeEach(() => google.reset());

const calls = () => google.requests('tokeninfo').length;
const failure = (promise: Promise<unknown>) =>
  promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (error: unknown) => error,
  );

describe('Google token verifier', () => {
  it('returns the identity with one call, and undefined for a token Google does not know', async () => {
    const verifier = createGoogleTokenVerifier(google.url);
    expect(await verifier.verify(token)).toEqual({
      email: 'ada@example.com',
      emailVerified: true,
      audience: 'ext-client',
      accountId: google.googleAccountIdFor('ada@example.com'),
    });
    expect(await verifier.verify('ya29.unknown')).toBeUndefined();
    expect(calls()).toBe(2);
  });

  // Before: gaxios' default retries made it 4 calls (and 3 × 10 s for a timeout).
  it('retries a 5xx once (2 calls), then throws GoogleUnavailableError', async () => {
    google.faults.set('tokeninfo', { status: 503 });
    const error = await failure(createGoogleTokenVerifier(google.url).verify(token));
    expect(error).toBeInstanceOf(GoogleUnavailableError);
    expect(error).toMatchObject({ status: 503 });
    expect(calls()).toBe(2);
  });

  it('recovers when the retry succeeds', async () => {
    google.faults.set('tokeninfo', { status: 500, times: 1 });
    expect(await createGoogleTokenVerifier(google.url).verify(token)).toMatchObject({ email: 'ada@example.com' });
    expect(calls()).toBe(2);
  });

  it('does not retry a 429 and does not take it for a refused token', async () => {
    google.faults.set('tokeninfo', { status: 429 });
    expect(await failure(createGoogleTokenVerifier(google.url).verify(token))).toMatchObject({
      name: 'GoogleUnavailableError',
      status: 429,
    });
    expect(calls()).toBe(1);
  });

  it('gives up after one timeout, without retrying', async () => {
    google.faults.set('tokeninfo', { latencyMs: 1_500 });
    const started = Date.now();
    const error = await failure(createGoogleTokenVerifier(google.url, { timeoutMs: 300 }).verify(token));
    expect(error).toBeInstanceOf(GoogleUnavailableError);
    expect(error).toMatchObject({ status: undefined, message: 'Google tokeninfo did not answer' });
    expect(Date.now() - started).toBeLessThan(1_200);
    expect(calls()).toBe(1);
  });

  it('reports an unreachable Google as unavailable', async () => {
    const error = await failure(createGoogleTokenVerifier('http://127.0.0.1:9').verify(token));
    expect(error).toBeInstanceOf(GoogleUnavailableError);
  });
});
