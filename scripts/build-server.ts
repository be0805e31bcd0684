import { build } from 'esbuild';
import { cp, rm } from 'node:fs/promises';

// `npm run build:server`: the backend and its CLIs as JavaScript in dist/, run by plain Node (no tsx).
// Packages stay external (production installs them with `npm ci --omit=dev`): bundling them too saved ~0.3 s of
// CPU per admin command but took 3 s to build and 13 MB per entry point, and PGlite's wasm must stay a file anyway.
// Runs on Node 24's own type stripping, so a production install needs no TypeScript tooling.
const outdir = 'dist';

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
  packages: 'external',
  platform: 'node',
  format: 'esm',
  target: 'node24',
  sourcemap: true,
  logLevel: 'warning',
});
// backend/db/client.ts finds its migrations beside itself (`./migrations`): beside the bundle and its chunks here.
await cp('backend/db/migrations', `${outdir}/migrations`, { recursive: true });
