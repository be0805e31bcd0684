import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTestServiceAccount, startEmulators, type Emulators } from '../../test/emulators/index.ts';
import { createScratchDatabase, postgresAvailable, warnPostgresSkipped } from '../../test/support/postgres.ts';
import { openDatabase } from '../db/client.ts';
import { loadConfig } from '../env.ts';
import { runDoctor, type CheckResult, type DoctorOptions } from './checks.ts';

// The doctor against the emulators: healthy, then each fault it diagnoses.
let emulators: Emulators;
let publicServer: Server;
let publicUrl: string;
let database: { url: string; drop(): Promise<void> } | undefined;
const MIGRATION_COUNT = (
  JSON.parse(readFileSync(new URL('../db/migrations/meta/_journal.json', import.meta.url), 'utf8')) as { entries: unknown[] }
).entries.length;
const hasPostgres = await postgresAvailable();
if (!hasPostgres) warnPostgresSkipped('doctor: database checks on a real server');

beforeAll(async () => {
  emulators = await startEmulators({ delegatedUsers: ['ada@example.com'] });
  publicServer = createServer((_request, response) => response.writeHead(200).end('{"status":"ok"}'));
  await new Promise<void>((resolve) => publicServer.listen(0, '127.0.0.1', resolve));
  publicUrl = `http://127.0.0.1:${(publicServer.address() as { port: number }).port}`;
  if (hasPostgres) {
    database = await createScratchDatabase();
    await (await openDatabase({ kind: 'postgres', url: database.url })).close();
  }
});
afterAll(async () => {
  await emulators?.close();
  await new Promise((resolve) => publicServer?.close(resolve));
  await database?.drop();
});
beforeEach(() => emulators.reset());

const healthyEnv = () => ({
  ...emulators.backendEnv,
  GOOGLE_OAUTH_CLIENT_IDS: 'ext.apps.googleusercontent.com',
  PUBLIC_BASE_URL: publicUrl,
  ...(database ? { DATABASE_URL: database.url } : { PGLITE_DATA_DIR: 'memory://' }),
});
const doctor = (env: Record<string, string>, options: DoctorOptions = { as: ['ada@example.com'] }) =>
  runDoctor(loadConfig(env), options, () => {});
const find = (results: CheckResult[], name: string) => results.find((result) => result.name === name);

describe('npm run doctor', () => {
  it('passes a healthy deployment, creating and deleting one throwaway Meet event', async () => {
    const results = await doctor(healthyEnv());
    expect(results.filter((result) => result.status === 'fail')).toEqual([]);
    expect(results.map((result) => `${result.status} ${result.name}`)).toEqual([
      `${database ? 'ok' : 'skip'} database`,
      'ok sign-in',
      'ok service account',
      'ok delegation ada@example.com',
      'ok Calendar + Meet ada@example.com',
      'ok twilio',
      'skip twilio test SMS',
      'ok ably',
      'ok public URL',
    ]);
    expect(emulators.google.calendar.events('ada@example.com').map((event) => event.status)).toEqual(['cancelled']);
    expect(emulators.twilio.messages()).toHaveLength(0);
  });

  it('sends one test SMS only when asked', async () => {
    const results = await doctor(healthyEnv(), { as: ['ada@example.com'], sendTo: '+14155550100' });
    expect(find(results, 'twilio test SMS')?.status).toBe('ok');
    expect(emulators.twilio.messages().map((message) => message.to)).toEqual(['+14155550100']);
  });

  it.each([
    [
      'delegation not granted',
      () => ({ env: healthyEnv(), options: { as: ['mallory@example.com'] } }),
      'delegation mallory@example.com',
      /Domain-wide delegation is not granted for mallory@example\.com.*client ID \d+ with scope https:\/\/www\.googleapis\.com\/auth\/calendar/,
    ],
    [
      'a key Google does not know',
      () => ({ env: { ...healthyEnv(), GOOGLE_SERVICE_ACCOUNT_KEY: createTestServiceAccount().base64 } }),
      'delegation ada@example.com',
      /invalid_grant/,
    ],
    [
      'Meet refused ("Invalid conference type value")',
      () => {
        emulators.google.setConferenceTypeAllowed(false);
        return { env: healthyEnv() };
      },
      'Calendar + Meet ada@example.com',
      /Invalid conference type value/,
    ],
    [
      'a wrong Twilio token',
      () => ({ env: { ...healthyEnv(), TWILIO_AUTH_TOKEN: 'wrong-token' } }),
      'twilio',
      /Twilio refused the credentials \(HTTP 401\)/,
    ],
    ['a wrong Ably key', () => ({ env: { ...healthyEnv(), ABLY_API_KEY: 'emu.test:wrong' } }), 'ably', /Check ABLY_API_KEY/],
    [
      'an unreachable PUBLIC_BASE_URL',
      () => ({ env: { ...healthyEnv(), PUBLIC_BASE_URL: 'http://127.0.0.1:9' } }),
      'public URL',
      /PUBLIC_BASE_URL/,
    ],
    ['no OAuth client id', () => ({ env: { ...healthyEnv(), GOOGLE_OAUTH_CLIENT_IDS: '' } }), 'sign-in', /extension's OAuth client id/],
    [
      'no service-account key',
      () => ({ env: { ...healthyEnv(), GOOGLE_SERVICE_ACCOUNT_KEY: '' } }),
      'service account',
      /base64 -w0 key\.json/,
    ],
    [
      'an unreachable database',
      () => ({ env: { ...healthyEnv(), DATABASE_URL: 'postgres://postgres@127.0.0.1:9/none' } }),
      'database',
      /Check the host/,
    ],
  ])('diagnoses %s', async (_case, setup, name, fix) => {
    const { env, options } = setup() as { env: Record<string, string>; options?: DoctorOptions };
    const results = await doctor(env, options);
    const result = find(results, name);
    expect(result?.status).toBe('fail');
    expect(`${result?.detail} ${result?.fix}`).toMatch(fix);
    expect(results.filter((other) => other.status === 'fail')).toHaveLength(1);
  });

  it.skipIf(!hasPostgres)('diagnoses a database that was never migrated', async () => {
    const empty = await createScratchDatabase();
    try {
      const results = await doctor({ ...healthyEnv(), DATABASE_URL: empty.url });
      expect(find(results, 'database')).toMatchObject({
        status: 'fail',
        detail: `Postgres reachable, ${MIGRATION_COUNT} migration(s) not applied`,
      });
    } finally {
      await empty.drop();
    }
  });

  it('exits non-zero, listing the problems, when the configuration does not parse', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'backend/doctor/cli.ts'], {
      env: { PATH: process.env.PATH ?? '', TWILIO_ACCOUNT_SID: 'AC1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
    expect(await new Promise((resolve) => child.once('exit', resolve))).toBe(1);
    expect(out).toContain('✘ configuration');
    expect(out).toContain('TWILIO_ACCOUNT_SID: SMS needs');
  }, 30_000);
});
