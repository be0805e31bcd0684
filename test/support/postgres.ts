import { randomBytes } from 'node:crypto';
import postgres from 'postgres';

/** The real Postgres server tests use (CI: the one on this machine). */
export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

let available: Promise<boolean> | undefined;

/** True when the server answers; decided once per test process. */
export function postgresAvailable(): Promise<boolean> {
  available ??= (async () => {
    const sql = postgres(TEST_DATABASE_URL, { max: 1, connect_timeout: 3, onnotice: () => {} });
    try {
      await sql`select 1`;
      return true;
    } catch {
      return false;
    } finally {
      await sql.end({ timeout: 1 });
    }
  })();
  return available;
}

/** Says loudly that a real-Postgres suite did not run. */
export function warnPostgresSkipped(suite: string) {
  const line = '!'.repeat(100);
  console.warn(
    `\n${line}\n!! SKIPPED: "${suite}" needs a real Postgres server at ${TEST_DATABASE_URL.replace(/:[^:@/]*@/, ':***@')}\n!! (set TEST_DATABASE_URL or start PostgreSQL). These tests did NOT run.\n${line}\n`,
  );
}

/** A fresh, empty database on the test server, dropped afterwards: suites never see each other's rows or jobs. */
export async function createScratchDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `ssm_test_${randomBytes(6).toString('hex')}`;
  const admin = postgres(TEST_DATABASE_URL, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name}`);
  const url = new URL(TEST_DATABASE_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      await admin.unsafe(`drop database if exists ${name} with (force)`);
      await admin.end({ timeout: 1 });
    },
  };
}
