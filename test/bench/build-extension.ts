import { build } from 'wxt';

/**
 * Builds the extension for the bench into BENCH_EXTENSION_OUT_DIR (under test/bench/results/), with the project's
 * own wxt.config.ts, so the bench never touches `.output/` that the e2e tests load.
 */
const outDir = process.env.BENCH_EXTENSION_OUT_DIR;
if (!outDir) throw new Error('BENCH_EXTENSION_OUT_DIR is required');
await build({ outDir, logger: undefined });
