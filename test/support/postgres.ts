import { randomBytes } from 'node:crypto';
import postgres from 'postgres';

/** The real Postgres server tests use (CI: the one on this machine). */
export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

let available: Promise<boolean> | undefined;

/** In CI (`CI=true`) every suite must run: a missing server is a failure there, never a skip. */
const inCI = () => process.env.CI === 'true';
const shownUrl = () => TEST_DATABASE_URL.replace(/:[^:@/]*@/, ':***@');

/**
 * True when the server answers; decided once per test process.
 * @throws Error in CI when it does not answer: the file that asked fails instead of skipping its suites.
 */
export function postgresAvailable(): Promise<boolean> {
  available ??= (async () => {
    const sql = postgres(TEST_DATABASE_URL, { max: 1, connect_timeout: 3, onnotice: () => {} });
    try {
      await sql`select 1`;
      return true;
    } catch (error) {
      if (inCI()) throw new Error(`CI=true and no Postgres answers at ${shownUrl()}: ${(error as Error).message}`);
      return false;
    } finally {
      await sql.end({ timeout: 1 });
    }
  })();
  return available;
}

/**
 * Says loudly that a real-Postgres suite did not run (outside CI only).
 * @throws Error in CI, where a suite that cannot run is a failure.
 */
export function warnPostgresSkipped(suite: string) {
  if (inCI()) throw new Error(`CI=true: "${suite}" needs a real Postgres server at ${shownUrl()}, and none answers.`);
  const line = '!'.repeat(100);
  console.warn(
    `\n${line}\n!! SKIPPED: "${suite}" needs a real Postgres server at ${shownUrl()}\n!! (set TEST_DATABASE_URL or start PostgreSQL). These tests did NOT run.\n${line}\n`,
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
