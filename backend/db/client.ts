import { mkdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { PGlite } from '@electric-sql/pglite';
import { prioritizeRequests } from './request-lane.ts';
import { sql } from 'drizzle-orm';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { schema } from './schema.ts';

export type Database = PgDatabase<PgQueryResultHKT, typeof schema>;
export type Transaction = Parameters<Parameters<Database['transaction']>[0]>[0];
/** Either the whole database or an open transaction: what repositories accept. */
export type Queryable = Database | Transaction;

export type DatabaseTarget =
  | {
      kind: 'pglite';
      dataDir: string;
      /**
       * A data directory dumped by PGlite's `dumpDataDir()` (a tar) to start from, for an empty `dataDir` only:
       * tests start from a migrated template (`test/support/pglite-template.ts`) instead of running initdb and
       * every migration again. Migrations still run after it and apply whatever the template lacks.
       */
      template?: Blob;
    }
  | { kind: 'postgres'; url: string };

export type DatabaseHandle = {
  kind: DatabaseTarget['kind'];
  db: Database;
  /** The embedded engine, when it is PGlite (pg-boss runs on it directly). */
  pglite?: PGlite;
  /** Connection string for pg-boss's own pool, when it is a real server. */
  url?: string;
  ping(): Promise<boolean>;
  close(): Promise<void>;
};

const migrationsFolder = fileURLToPath(new URL('./migrations', import.meta.url));
// Any fixed number: several instances starting at once take turns migrating.
const MIGRATION_LOCK_ID = 727_2026;

/**
 * Opens the database (embedded PGlite by default, postgres.js for a server) and applies pending migrations, if any,
 * unless `migrate: false` (the doctor only looks).
 */
export function openDatabase(target: DatabaseTarget, { migrate = true } = {}): Promise<DatabaseHandle> {
  return target.kind === 'pglite' ? openPglite(target, migrate) : openPostgres(target.url, migrate);
}

type Journal = { entries: { when: number }[] };
const readJournal = async () => JSON.parse(await readFile(`${migrationsFolder}/meta/_journal.json`, 'utf8')) as Journal;

/** How many of the app's migrations the database has not applied yet. */
export async function countPendingMigrations(db: Database): Promise<number> {
  const journal = await readJournal();
  const applied = await db
    .execute<{ n: number }>(sql`select count(*)::int as n from drizzle.__drizzle_migrations`)
    .then((result) => Number(rowsOf<{ n: number }>(result)[0]?.n ?? 0))
    .catch(() => 0);
  return journal.entries.length - applied;
}

/**
 * Whether the database has the app's latest migration, by drizzle's own rule (its migrator applies each migration
 * newer than the last one recorded): one query, where migrating takes several and writes (DDL `IF NOT EXISTS`);
 * false when nothing is recorded yet.
 */
export async function migrationsCurrent(db: Database): Promise<boolean> {
  const latest = (await readJournal()).entries.at(-1)?.when ?? 0;
  const recorded = await db
    .execute(sql`select created_at from drizzle.__drizzle_migrations order by created_at desc limit 1`)
    .then((result) => rowsOf<{ created_at: string | number }>(result)[0]?.created_at)
    .catch(() => undefined);
  return recorded !== undefined && Number(recorded) >= latest;
}

/** The rows of a raw `execute()`: postgres.js answers an array, PGlite `{ rows }`. */
export const rowsOf = <T>(result: unknown): T[] => (Array.isArray(result) ? result : ((result as { rows?: T[] }).rows ?? []));

// Each driver loads only when it is the one in use: a PGlite process never loads postgres.js, nor the reverse.
async function openPglite({ dataDir, template }: DatabaseTarget & { kind: 'pglite' }, migrate: boolean): Promise<DatabaseHandle> {
  const [{ PGlite }, { drizzle: drizzlePglite }, { migrate: migratePglite }] = await Promise.all([
    import('@electric-sql/pglite'),
    import('drizzle-orm/pglite'),
    import('drizzle-orm/pglite/migrator'),
  ]);
  if (!dataDir.startsWith('memory://')) await mkdir(dataDir, { recursive: true });
  const pglite = await PGlite.create(dataDir, template ? { loadDataDir: template } : {});
  prioritizeRequests(pglite);
  const db = drizzlePglite({ client: pglite, schema }) as unknown as Database;
  if (migrate && !(await migrationsCurrent(db))) await migratePglite(db as never, { migrationsFolder });
  return {
    kind: 'pglite',
    db,
    pglite,
    ping: () => ping(db),
    close: () => pglite.close(),
  };
}

async function openPostgresClient(url: string, migrate: boolean) {
  const [{ default: postgres }, { drizzle: drizzlePostgres }, { migrate: migratePostgres }] = await Promise.all([
    import('postgres'),
    import('drizzle-orm/postgres-js'),
    import('drizzle-orm/postgres-js/migrator'),
  ]);
  const client = postgres(url, { max: 10, onnotice: () => {} });
  const db = drizzlePostgres({ client, schema }) as unknown as Database;
  // Current: no lock to take (a migration is never undone). Else one instance at a time migrates, and the migrator
  // checks again under the lock.
  if (!migrate || (await migrationsCurrent(db))) return { client, db };
  const lock = await client.reserve();
  try {
    await lock`select pg_advisory_lock(${MIGRATION_LOCK_ID})`;
    await migratePostgres(db as never, { migrationsFolder });
  } finally {
    await lock`select pg_advisory_unlock(${MIGRATION_LOCK_ID})`;
    lock.release();
  }
  return { client, db };
}

function openPostgres(url: string, migrate: boolean): Promise<DatabaseHandle> {
  return openPostgresClient(url, migrate).then(({ client, db }) => ({
    kind: 'postgres' as const,
    db,
    url,
    ping: () => ping(db),
    close: () => client.end({ timeout: 5 }),
  }));
}

async function ping(db: Database): Promise<boolean> {
  try {
    await db.execute(sql`select 1`);
    return true;
  } catch {
    return false;
  }
}
