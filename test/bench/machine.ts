import { execFileSync } from 'node:child_process';
import { cpus, loadavg, release, totalmem } from 'node:os';
import postgres from 'postgres';
import { TEST_DATABASE_URL } from '../support/postgres.ts';
import { CHROMIUM_PATH } from '../e2e/support/extension-browser.ts';

export type Machine = {
  cpu: string;
  cores: number;
  memoryGiB: number;
  kernel: string;
  node: string;
  postgres: string | null;
  chromium: string | null;
  /** 1-minute load average when the run started: other work on the machine shows up here. */
  loadAverageAtStart: number;
};

export async function describeMachine(): Promise<Machine> {
  const cores = cpus();
  return {
    cpu: cores[0]?.model.trim() ?? 'unknown',
    cores: cores.length,
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    kernel: `Linux ${release()}`,
    node: process.version,
    postgres: await postgresVersion(),
    chromium: chromiumVersion(),
    loadAverageAtStart: Math.round(loadavg()[0]! * 100) / 100,
  };
}

async function postgresVersion(): Promise<string | null> {
  const sql = postgres(TEST_DATABASE_URL, { max: 1, connect_timeout: 3, onnotice: () => {} });
  try {
    const [row] = await sql<{ server_version: string }[]>`show server_version`;
    return row ? `PostgreSQL ${row.server_version}` : null;
  } catch {
    return null;
  } finally {
    await sql.end({ timeout: 1 });
  }
}

function chromiumVersion(): string | null {
  try {
    return execFileSync(CHROMIUM_PATH, ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 10_000 }).trim();
  } catch {
    return null;
  }
}
