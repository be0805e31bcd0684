import { createHash, randomBytes } from 'node:crypto';
import { access, mkdir, readdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DatabaseHandle, DatabaseTarget } from '../../backend/db/client.ts';

/*
 * A fresh PGlite runs initdb (~1.5 s of CPU) and then every migration; a test file that needs a database pays it
 * for each one it opens. Instead, the first test that needs one migrates a PGlite once, dumps its data directory
 * (an uncompressed tar, ~40 MB) into node_modules/.cache, and every test database starts from that file (~0.4 s).
 * The file's name is a hash of the migrations and of PGlite's version: a new migration or a PGlite upgrade makes a
 * new template, never a stale one. openDatabase still runs the migrations on top (each finds itself applied).
 * The node project's globalSetup (`setup` below) makes a missing template before the workers start.
 */

// Imported when needed: the globalSetup only hashes and looks, without loading drizzle and PGlite.
const openDatabase: typeof import('../../backend/db/client.ts').openDatabase = async (...args) =>
  (await import('../../backend/db/client.ts')).openDatabase(...args);

const root = new URL('../../', import.meta.url);
const migrationsFolder = fileURLToPath(new URL('backend/db/migrations/', root));
const cacheFolder = fileURLToPath(new URL('node_modules/.cache/savvysolve-meet/', root));
const pglitePackage = fileURLToPath(new URL('node_modules/@electric-sql/pglite/package.json', root));

let template: Promise<Blob> | undefined;

/** The migrated template as a Blob for PGlite's `loadDataDir`; read (or made) once per test file. */
export function migratedTemplate(): Promise<Blob> {
  template ??= readOrMake();
  return template;
}

/** A target for a fresh in-memory PGlite, migrated from the template: no test sees another's rows. */
export async function memoryPglite(): Promise<DatabaseTarget> {
  return { kind: 'pglite', dataDir: 'memory://', template: await migratedTemplate() };
}

/** Opens a fresh in-memory PGlite with every migration applied (`memoryPglite`). */
export async function openMemoryPglite(): Promise<DatabaseHandle> {
  return openDatabase(await memoryPglite());
}

/**
 * Vitest's globalSetup for the node project: makes the template before any worker starts when the cache has none
 * (workers starting together would each make one); with a cached template it costs a hash and a look.
 */
export async function setup(): Promise<void> {
  const cached = await access(await templateFile()).then(
    () => true,
    () => false,
  );
  if (!cached) await readOrMake();
}

async function readOrMake(): Promise<Blob> {
  const file = await templateFile();
  const cached = await readFile(file).catch(() => undefined);
  if (cached) return new Blob([cached]);
  const fresh = await openDatabase({ kind: 'pglite', dataDir: 'memory://' });
  try {
    const dump = await fresh.pglite!.dumpDataDir('none');
    // Written aside then renamed: a test file running at the same time reads a whole template or none.
    await mkdir(cacheFolder, { recursive: true });
    const partial = `${file}.${randomBytes(4).toString('hex')}.partial`;
    await writeFile(partial, new Uint8Array(await dump.arrayBuffer()));
    await rename(partial, file);
    return dump;
  } finally {
    await fresh.close();
  }
}

const templateFile = async () => join(cacheFolder, `pglite-migrated-${await templateKey()}.tar`);

/** sha256 of PGlite's version and of every file under backend/db/migrations (names and contents), first 16 hex. */
async function templateKey(): Promise<string> {
  const hash = createHash('sha256');
  hash.update(JSON.parse(await readFile(pglitePackage, 'utf8')).version);
  const entries = await readdir(migrationsFolder, { recursive: true, withFileTypes: true });
  const files = entries
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name))
    .sort();
  for (const path of files) hash.update(path.slice(migrationsFolder.length)).update(await readFile(path));
  return hash.digest('hex').slice(0, 16);
}
