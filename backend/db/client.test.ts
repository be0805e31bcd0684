import { sql } from 'drizzle-orm';
import { afterEach, describe, expect, it } from 'vitest';
import { createScratchDatabase, postgresAvailable, warnPostgresSkipped } from '../../test/support/postgres.ts';
import { countPendingMigrations, migrationsCurrent, openDatabase, type DatabaseHandle } from './client.ts';

const hasPostgres = await postgresAvailable();
if (!hasPostgres) warnPostgresSkipped('migration check on postgres');

describe.each([
  ['pglite', true],
  ['postgres', hasPostgres],
] as const)('opening the database on %s', (kind, available) => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => {});
  });
  const open = async (migrate: boolean): Promise<DatabaseHandle> => {
    const scratch = kind === 'postgres' ? await createScratchDatabase() : undefined;
    if (scratch) cleanups.push(scratch.drop);
    const database = await openDatabase(scratch ? { kind: 'postgres', url: scratch.url } : { kind: 'pglite', dataDir: 'memory://' }, {
      migrate,
    });
    cleanups.push(() => database.close());
    return database;
  };

  it.runIf(available)('migrates only a database without the latest migration, by drizzle’s rule', { timeout: 30_000 }, async () => {
    expect(await migrationsCurrent((await open(false)).db)).toBe(false);
    const { db } = await open(true);
    expect(await migrationsCurrent(db)).toBe(true);
    expect(await countPendingMigrations(db)).toBe(0);
    await db.execute(sql`delete from drizzle.__drizzle_migrations where id = (select max(id) from drizzle.__drizzle_migrations)`);
    expect(await migrationsCurrent(db)).toBe(false);
  });
});
