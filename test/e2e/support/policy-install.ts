/// <reference types="chrome" />
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { writePolicy, type ManagedSettings } from '../../../release/chrome-policy.ts';
import { packageSelfhost, type SelfhostPackage } from '../../../release/package-selfhost.ts';
import { CHROMIUM_PATH, CHROMIUM_TEST_ARGS, POLICY_DIR, type ExtensionBrowser } from './extension-browser.ts';

/**
 * An organization's update server on loopback: a signing key, `npm run package:selfhost`'s output folder served over
 * HTTP, and every request it answered (Chrome asking for updates.xml, then the CRX).
 */
export type UpdateServer = {
  baseUrl: string;
  requests: string[];
  /** Packs and publishes `version` (what `npm run package:selfhost` does), with loopback host permissions. */
  release(version: string): Promise<SelfhostPackage>;
  close(): Promise<void>;
};

export async function startUpdateServer(): Promise<UpdateServer> {
  const dir = mkdtempSync(join(tmpdir(), 'selfhost-e2e-'));
  const keyFile = join(dir, 'signing.pem');
  execFileSync('openssl', ['genrsa', '-out', keyFile, '2048'], { stdio: 'ignore' });
  const outDir = join(dir, 'published');
  const requests: string[] = [];
  const server: Server = createServer((request, response) => {
    requests.push(request.url ?? '');
    const file = join(outDir, basename(new URL(request.url ?? '/', 'http://x').pathname));
    if (!existsSync(file)) return void response.writeHead(404).end();
    const type = file.endsWith('.crx') ? 'application/x-chrome-extension' : 'text/xml';
    response.writeHead(200, { 'content-type': type }).end(readFileSync(file));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const baseUrl = `http://127.0.0.1:${(server.address() as { port: number }).port}/extension`;
  return {
    baseUrl,
    requests,
    release: (version) =>
      packageSelfhost({
        signingKeyFile: keyFile,
        updateBaseUrl: baseUrl,
        version,
        outDir,
        buildDir: join(dir, `build-${version}`),
        buildOutput: 'ignore',
        // The backend, the emulators (their Meet rooms too) and the session pages of the test run on loopback.
        buildEnv: { SAVVYSOLVE_HOST_PERMISSIONS: 'http://127.0.0.1/*', SAVVYSOLVE_LOOPBACK_MEET_ROOMS: 'true' },
      }),
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Chromium as a managed machine runs it: the policy `npm run admin -- policy --format json` writes (force-install
 * from `updateUrl` + the extension's settings) in Chromium's machine policy folder, and **no** `--load-extension` —
 * Chrome itself downloads and installs the CRX. `DeveloperToolsAvailability: 1` is for the test only: Chrome's
 * default keeps DevTools (and so Playwright) out of extensions installed by policy.
 */
export async function launchPolicyInstalled(
  pkg: SelfhostPackage,
  settings: ManagedSettings,
): Promise<ExtensionBrowser & { policyFile: string; setSettings(settings: ManagedSettings): void }> {
  mkdirSync(POLICY_DIR, { recursive: true });
  const policyFile = `${POLICY_DIR}/savvysolve-meet-e2e-${process.pid}.json`;
  /** (Re)writes the machine policy; Chrome applies a rewrite some 5 s later, with `storage.onChanged` (managed). */
  const setSettings = (values: ManagedSettings) => {
    const policy = JSON.parse(writePolicy('json', { extensionId: pkg.id, updateUrl: pkg.updateUrl, settings: values })) as Record<string, unknown>;
    writeFileSync(policyFile, JSON.stringify({ ...policy, DeveloperToolsAvailability: 1 }, null, 2));
  };
  setSettings(settings);
  const removePolicy = () => rmSync(policyFile, { force: true });
  process.once('exit', removePolicy);
  let context: BrowserContext;
  try {
    context = await chromium.launchPersistentContext('', {
      executablePath: CHROMIUM_PATH,
      headless: true,
      viewport: { width: 1200, height: 760 },
      // Playwright's defaults switch extensions and their downloads off.
      ignoreDefaultArgs: ['--disable-extensions', '--disable-background-networking', '--disable-component-extensions-with-background-pages'],
      // Background networking stays on: it is how Chromium fetches the policy's update URL.
      args: CHROMIUM_TEST_ARGS,
    });
  } catch (error) {
    removePolicy();
    throw error;
  }
  const isOurs = (url: string) => url.startsWith(`chrome-extension://${pkg.id}/`);
  // The newest of ours: after an update the old worker can linger in the list for a moment.
  const worker = () => context.serviceWorkers().filter((candidate) => isOurs(candidate.url())).at(-1);
  return {
    context,
    get worker() {
      return worker()!;
    },
    extensionId: pkg.id,
    policyFile,
    setSettings,
    async evaluate(fn, arg) {
      const next = () => context.waitForEvent('serviceworker', { predicate: (candidate) => isOurs(candidate.url()), timeout: 60_000 });
      // An update replaces the service worker, possibly under a call ("Service worker restarted"): ask its successor.
      for (let attempt = 1; ; attempt++) {
        const current = worker() ?? (await next());
        try {
          return (await current.evaluate(fn as never, arg)) as never;
        } catch (error) {
          if (attempt >= 3 || !/Service worker restarted|closed/i.test(String(error))) throw error;
          if (worker() === current) await next();
        }
      }
    },
    async extensionPage(path, viewport): Promise<Page> {
      const page = await context.newPage();
      if (viewport) await page.setViewportSize(viewport);
      await page.goto(`chrome-extension://${pkg.id}/${path}`);
      return page;
    },
    async close() {
      try {
        await context.close();
      } finally {
        removePolicy();
      }
    },
  };
}
