import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulators, type Emulators } from '../emulators/index.ts';
import { backendClient } from '../support/backend-client.ts';
import { startBackendProcess } from '../support/backend-process.ts';
import { ADMIN_TOKEN, OAUTH_CLIENT_ID, SESSION_SECRET, WORKSPACE_DOMAIN, eventually } from './stack.ts';

// SIGTERM to the real process while a click and a slow SMS are in flight: the click is answered, the SMS finishes,
// the process exits 0; a second process on the same database works the rest of the queue. Each customer gets one
// SMS, counted once no job is left to send another.
describe('graceful shutdown', () => {
  let emulators: Emulators;
  let dataDir: string;
  let env: Record<string, string>;

  beforeAll(async () => {
    emulators = await startEmulators({ delegatedUsers: ['ada@example.com'] });
    dataDir = await mkdtemp(join(tmpdir(), 'ssm-shutdown-'));
    env = {
      ...emulators.backendEnv,
      PGLITE_DATA_DIR: dataDir,
      ADMIN_API_TOKEN: ADMIN_TOKEN,
      SESSION_SECRET,
      GOOGLE_OAUTH_CLIENT_IDS: OAUTH_CLIENT_ID,
      WORKSPACE_DOMAINS: WORKSPACE_DOMAIN,
      SHUTDOWN_GRACE_SECONDS: '10',
    };
  });
  afterAll(async () => {
    await emulators?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('answers the click in flight, lets the slow SMS finish, exits 0, and loses or repeats nothing', async () => {
    const first = await startBackendProcess(env);
    const api = backendClient(first.url, ADMIN_TOKEN);
    const solverId = await api.createSolver({
      name: 'Ada',
      email: 'ada@example.com',
      employment: 'employed',
      googleEmail: 'ada@example.com',
    });
    const phones = ['+14155550101', '+14155550102'];
    const sessionIds = await Promise.all(
      phones.map((customerPhone) => api.createSession({ solverId, customerName: 'Grace Hopper', customerPhone })),
    );
    const token = await api.signIn(emulators.google.issueAccessToken({ email: 'ada@example.com', audience: OAUTH_CLIENT_ID }));
    const click = (sessionId: string) => api.call('POST', '/api/meet/links', { json: { sessionId }, token });

    // The first click's SMS takes Twilio 3 s; the second click waits 2 s on Google.
    emulators.twilio.faults.set('messages.create', { latencyMs: 3_000 });
    expect((await click(sessionIds[0]!)).body).toMatchObject({ success: true });
    await eventually(() => emulators.twilio.requests('messages.create').length === 1, 'the first SMS at Twilio');
    emulators.google.faults.set('events.insert', { latencyMs: 2_000, times: 1 });
    const inFlight = click(sessionIds[1]!);
    await eventually(() => emulators.google.requests('events.insert').length === 2, 'the second click at Google');

    const signalled = performance.now();
    first.child.kill('SIGTERM');
    const exitCode = new Promise((resolve) => first.child.once('exit', resolve));
    expect((await inFlight).body).toMatchObject({ success: true });
    expect(await exitCode).toBe(0);
    expect(performance.now() - signalled).toBeLessThan(10_000 + 3_000);
    expect(first.logs.join('\n')).toContain('"message":"stopped"');
    await expect(fetch(`${first.url}/health`)).rejects.toThrow();
    // The SMS that was running when the signal came finished within the grace, not on the next process.
    expect(emulators.twilio.messages().filter((message) => message.to === phones[0])).toHaveLength(1);

    emulators.clearFaults();
    const second = await startBackendProcess(env);
    const settled = backendClient(second.url, ADMIN_TOKEN);
    await eventually(
      async () => {
        const statuses = await Promise.all(sessionIds.map(async (id) => (await settled.adminSession(id)).body.sms?.status));
        return statuses.every((status) => status && status !== 'queued');
      },
      'both SMS settled',
      30_000,
    );
    await second.stop();

    // Both processes have stopped: no job is left that could send another SMS.
    const pglite = await PGlite.create(dataDir);
    try {
      const pending = await pglite.query<{ n: number }>(
        `select count(*)::int as n from pgboss.job where name = 'sms.send' and state in ('created', 'retry', 'active')`,
      );
      expect(pending.rows[0]!.n).toBe(0);
    } finally {
      await pglite.close();
    }
    for (const phone of phones) expect(emulators.twilio.messages().filter((message) => message.to === phone)).toHaveLength(1);
  }, 120_000);
});
