import { build } from 'esbuild';
import { cp, readFile, rm } from 'node:fs/promises';

// `npm run build:server`: the backend and its CLIs as JavaScript in dist/, run by plain Node (no tsx).
// Packages stay external (production installs them with `npm ci --omit=dev`): bundling them all took 3 s to build and
// 13 MB per entry point, and PGlite's wasm must stay a file anyway. Runs on Node 24's own type stripping, so a
// production install needs no TypeScript tooling.
const outdir = 'dist';

/**
 * Pure-ESM packages of hundreds of small modules, bundled in: Node 24 resolves each module of an external package
 * through its package.json and parses that file's `exports` again each time (drizzle-orm's is 175 kB, 450 modules),
 * which cost ~0.35 s of every admin command's ~1.3 s. Bundled, they cost one parse of our own chunks (+1.5 MB in
 * dist/). None keeps state another package shares by identity (drizzle's `sql` reaches pg-boss as an argument).
 */
const BUNDLED = new Set(['drizzle-orm', 'zod', 'libphonenumber-js']);
const { dependencies } = JSON.parse(await readFile('package.json', 'utf8')) as { dependencies: Record<string, string> };
const external = Object.keys(dependencies)
  .filter((name) => !BUNDLED.has(name))
  .flatMap((name) => [name, `${name}/*`]);

await rm(outdir, { recursive: true, force: true });
await build({
  entryPoints: [
    { in: 'backend/server.ts', out: 'server' },
    { in: 'backend/cli/admin.ts', out: 'admin' },
    { in: 'backend/doctor/cli.ts', out: 'doctor' },
  ],
  outdir,
  bundle: true,
  // backend/server.ts imports start.ts dynamically, after OpenTelemetry starts: a chunk of its own keeps that
  // order (without splitting, every package import is hoisted to the top of server.js and loads before tracing).
  splitting: true,
  external,
  platform: 'node',
  format: 'esm',
  target: 'node24',
  sourcemap: true,
  logLevel: 'warning',
});
// backend/db/client.ts finds its migrations beside itself (`./migrations`): beside the bundle and its chunks here.
await cp('backend/db/migrations', `${outdir}/migrations`, { recursive: true });
