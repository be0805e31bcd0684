import { mkdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import { sql } from 'drizzle-orm';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import { migrate as migratePostgres } from 'drizzle-orm/postgres-js/migrator';
import postgres from 'postgres';
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
 * Opens the database (embedded PGlite by default, postgres.js for a server) and applies pending migrations,
 * unless `migrate: false` (the doctor only looks).
 */
export function openDatabase(target: DatabaseTarget, { migrate = true } = {}): Promise<DatabaseHandle> {
  return target.kind === 'pglite' ? openPglite(target, migrate) : openPostgres(target.url, migrate);
}

/** How many of the app's migrations the database has not applied yet. */
export async function countPendingMigrations(db: Database): Promise<number> {
  const journal = JSON.parse(await readFile(`${migrationsFolder}/meta/_journal.json`, 'utf8')) as { entries: unknown[] };
  const applied = await db
    .execute<{ n: number }>(sql`select count(*)::int as n from drizzle.__drizzle_migrations`)
    .then((result) => Number(rowsOf<{ n: number }>(result)[0]?.n ?? 0))
    .catch(() => 0);
  return journal.entries.length - applied;
}

/** The rows of a raw `execute()`: postgres.js answers an array, PGlite `{ rows }`. */
export const rowsOf = <T>(result: unknown): T[] => (Array.isArray(result) ? result : ((result as { rows?: T[] }).rows ?? []));

async function openPglite({ dataDir, template }: DatabaseTarget & { kind: 'pglite' }, migrate: boolean): Promise<DatabaseHandle> {
  if (!dataDir.startsWith('memory://')) await mkdir(dataDir, { recursive: true });
  const pglite = await PGlite.create(dataDir, template ? { loadDataDir: template } : {});
  const db = drizzlePglite({ client: pglite, schema }) as unknown as Database;
  if (migrate) await migratePglite(db as never, { migrationsFolder });
  return {
    kind: 'pglite',
    db,
    pglite,
    ping: () => ping(db),
    close: () => pglite.close(),
  };
}

async function openPostgresClient(url: string, migrate: boolean) {
  const client = postgres(url, { max: 10, onnotice: () => {} });
  const db = drizzlePostgres({ client, schema }) as unknown as Database;
  if (!migrate) return { client, db };
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
