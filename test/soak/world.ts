import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { hc } from 'hono/client';
import postgres from 'postgres';
import type { AppType } from '../../backend/app.ts';
import { createSessionTokens } from '../../backend/auth/session-tokens.ts';
import { SAVVYSOLVE_WEBHOOK_PATH } from '../../shared/index.ts';
import { startEmulators, startSavvySolveHostEmulator, type Emulators, type SavvySolveHostEmulator } from '../emulators/index.ts';
import { startBackendProcess, type BackendProcess } from '../support/backend-process.ts';
import { createScratchDatabase } from '../support/postgres.ts';

export type SoakDatabase = 'postgres' | 'pglite';

const SESSION_SECRET = 'soak-session-secret-0123456789abcdef01234';
const ADMIN_TOKEN = 'soak-admin-token-0123456789';
const OAUTH_CLIENT_ID = 'savvysolve-soak.apps.googleusercontent.com';
const HOST_SECRET = `whsec_${Buffer.from('savvysolve-soak-webhook-secret').toString('base64')}`;
const HOST_API_TOKEN = 'savvysolve-soak-api-token';

export const solverEmail = (index: number) => `soak-solver-${index}@example.com`;

/** One backend process slot: the same port across restarts, so clients and Twilio's callbacks find it again. */
export type Instance = {
  name: string;
  port: number;
  url: string;
  /** Listening now; false from the SIGKILL until the restarted process listens. */
  alive: boolean;
  process?: BackendProcess;
  /** 0 for the first process, +1 per restart. */
  generation: number;
  /** Client requests under way to it now (chaos kills it while some are, so clients see it die under them). */
  inFlight: number;
};

export type SoakSolver = { index: number; email: string; name: string; id: string; token: string };

export type World = {
  database: SoakDatabase;
  emulators: Emulators;
  host: SavvySolveHostEmulator;
  instances: Instance[];
  solvers: SoakSolver[];
  adminToken: string;
  /** Processes that exited without being told to (crashed on their own), with their last log lines. */
  unexpectedExits: { instance: string; generation: number; code: number | null; lastLines: string[] }[];
  webhookUrl(instance: Instance): string;
  /** SIGKILLs the instance and starts a new process on its port; resolves when it listens again. */
  killAndRestart(instance: Instance): Promise<void>;
  /** SQL on the backend's database (PGlite: only after stopBackends, the data directory has one owner). */
  query<T = Record<string, unknown>>(text: string, params?: unknown[]): Promise<T[]>;
  /** False on PGlite while a backend owns the data directory. */
  canQuery(): boolean;
  /** Every process's log lines, by instance and generation. */
  logs(): { instance: string; generation: number; lines: string[] }[];
  /** SIGTERMs the backends (graceful). */
  stopBackends(): Promise<void>;
  close(): Promise<void>;
};

export type WorldOptions = { database: SoakDatabase; solvers: number; log: (line: string) => void };

/**
 * Emulators (Google with delegation for every soak solver, Twilio with automatic status callbacks, Ably, the
 * SavvySolve host), a scratch database (Postgres: a fresh database on the test server; PGlite: a data directory on
 * disk), the backend as separate processes (two on Postgres, one on PGlite, which is single-process), and the
 * solvers sent by signed `solver.upserted`, each with a session token.
 */
export async function startWorld(options: WorldOptions): Promise<World> {
  const emails = Array.from({ length: options.solvers }, (_, index) => solverEmail(index));
  const closers: (() => Promise<unknown>)[] = [];
  const close = async () => {
    for (const closer of closers.reverse()) await closer().catch(() => undefined);
  };
  try {
    const emulators = await startEmulators({ delegatedUsers: emails, twilio: { statusCallbacks: 'auto' } });
    closers.push(() => emulators.close());
    const host = await startSavvySolveHostEmulator({ secret: HOST_SECRET, apiToken: HOST_API_TOKEN });
    closers.push(() => host.close());

    let databaseEnv: Record<string, string>;
    let pgliteDir: string | undefined;
    let server: postgres.Sql | undefined;
    if (options.database === 'postgres') {
      const scratch = await createScratchDatabase();
      closers.push(() => scratch.drop());
      databaseEnv = { DATABASE_URL: scratch.url };
      server = postgres(scratch.url, { max: 2, onnotice: () => {} });
      const sql = server;
      closers.push(() => sql.end({ timeout: 2 }));
    } else {
      pgliteDir = await mkdtemp(join(tmpdir(), 'soak-pglite-'));
      const dir = pgliteDir;
      closers.push(() => rm(dir, { recursive: true, force: true }));
      databaseEnv = { PGLITE_DATA_DIR: pgliteDir };
    }

    const count = options.database === 'postgres' ? 2 : 1;
    const ports = await Promise.all(Array.from({ length: count }, () => freePort()));
    const instances: Instance[] = ports.map((port, index) => ({
      name: String.fromCharCode(65 + index),
      port,
      url: `http://127.0.0.1:${port}`,
      alive: false,
      generation: 0,
      inFlight: 0,
    }));
    const env: Record<string, string> = {
      ...emulators.backendEnv,
      ...databaseEnv,
      ADMIN_API_TOKEN: ADMIN_TOKEN,
      SESSION_SECRET,
      GOOGLE_OAUTH_CLIENT_IDS: OAUTH_CLIENT_ID,
      SAVVYSOLVE_WEBHOOK_SECRET: HOST_SECRET,
      SAVVYSOLVE_API_URL: host.apiUrl,
      SAVVYSOLVE_API_TOKEN: HOST_API_TOKEN,
      SAVVYSOLVE_EVENTS_URL: host.eventsUrl,
      DEFAULT_PHONE_REGION: 'US',
      // Twilio's status callbacks go to instance A (lost while it is down, as they would be behind no balancer).
      PUBLIC_BASE_URL: instances[0]!.url,
    };

    const retired: { instance: string; generation: number; lines: string[] }[] = [];
    const unexpectedExits: World['unexpectedExits'] = [];
    const expectedExit = new WeakSet<BackendProcess>();
    let stopping = false;
    const launch = async (instance: Instance) => {
      const backend = await startBackendProcess({ ...env, PORT: String(instance.port) });
      instance.process = backend;
      instance.alive = true;
      backend.child.once('exit', (code) => {
        instance.alive = false;
        retired.push({ instance: instance.name, generation: instance.generation, lines: backend.logs });
        if (expectedExit.has(backend) || stopping) return;
        unexpectedExits.push({ instance: instance.name, generation: instance.generation, code, lastLines: backend.logs.slice(-20) });
        options.log(`instance ${instance.name} exited on its own (code ${code}); restarting it`);
        instance.generation += 1;
        void launch(instance).catch((error: Error) => options.log(`restart of ${instance.name} failed: ${error.message}`));
      });
    };
    const stopBackends = async () => {
      stopping = true;
      await Promise.all(
        instances.map(async (instance) => {
          if (!instance.process) return;
          expectedExit.add(instance.process);
          await instance.process.stop();
          instance.alive = false;
        }),
      );
    };
    closers.push(stopBackends);
    // Both at once on a fresh database: migrations and the job queue's schema must cope with that.
    await Promise.all(instances.map(launch));

    const webhookUrl = (instance: Instance) => `${instance.url}${SAVVYSOLVE_WEBHOOK_PATH}`;
    const solvers = await addSolvers(host, webhookUrl(instances[0]!), instances[0]!.url, emails);

    let pglite: PGlite | undefined;
    closers.push(async () => pglite?.close());
    return {
      database: options.database,
      emulators,
      host,
      instances,
      solvers,
      adminToken: ADMIN_TOKEN,
      unexpectedExits,
      webhookUrl,
      async killAndRestart(instance) {
        const victim = instance.process;
        if (!victim) return;
        expectedExit.add(victim);
        instance.alive = false;
        await victim.crash();
        instance.generation += 1;
        await launch(instance);
      },
      async query<T>(text: string, params: unknown[] = []) {
        if (server) return (await server.unsafe(text, params as never[])) as unknown as T[];
        if (instances.some((instance) => instance.process?.child.exitCode === null && instance.process.child.signalCode === null))
          throw new Error('PGlite has one owner: stop the backend before querying its data directory');
        pglite ??= await PGlite.create(pgliteDir!);
        return (await pglite.query<T>(text, params)).rows;
      },
      canQuery: () => Boolean(server) || instances.every((instance) => !instance.alive),
      logs: () => [
        ...retired,
        ...instances
          .filter((instance) => instance.process && !retired.some((entry) => entry.lines === instance.process!.logs))
          .map((instance) => ({ instance: instance.name, generation: instance.generation, lines: instance.process!.logs })),
      ],
      stopBackends,
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }

  async function addSolvers(host: SavvySolveHostEmulator, webhookUrl: string, baseUrl: string, emails: string[]): Promise<SoakSolver[]> {
    const names = emails.map((_, index) => `Soak Solver ${index}`);
    for (let start = 0; start < emails.length; start += 10) {
      await Promise.all(
        emails.slice(start, start + 10).map(async (email, offset) => {
          const data = { email, name: names[start + offset], employment: 'employed', googleEmail: email };
          const answer = await host.sendWebhook(webhookUrl, 'solver.upserted', data);
          if (answer.status !== 200) throw new Error(`solver.upserted ${email}: ${answer.status} ${JSON.stringify(answer.body)}`);
        }),
      );
    }
    const response = await hc<AppType>(baseUrl).api.admin.solvers.$get(undefined, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    const { solvers } = await response.json();
    const tokens = createSessionTokens(SESSION_SECRET);
    // Minted as /api/auth/session would (same secret and claims): sign-in allows 30 attempts a minute per address.
    return Promise.all(
      emails.map(async (email, index) => {
        const id = solvers.find((solver) => solver.email === email)?.id;
        if (!id) throw new Error(`solver ${email} was not stored`);
        return { index, email, name: names[index]!, id, token: (await tokens.issue({ solverId: id, tokenVersion: 0 })).token };
      }),
    );
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.once('error', reject);
  });
}
