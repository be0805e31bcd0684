/// <reference types="chrome" />
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromium, expect, type BrowserContext, type Page, type Worker } from '@playwright/test';

export const EXTENSION_DIR = fileURLToPath(new URL('../../../.output/chrome-mv3', import.meta.url));
export const ARTIFACTS_DIR = fileURLToPath(new URL('../artifacts', import.meta.url));
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
/** Pinned by the manifest `key` (wxt.config.ts). */
export const EXTENSION_ID = 'nnidkclgcoenlalbflknijieocjmigjl';

/**
 * The switches every test Chromium runs with: no sandbox or GPU (containers), nothing fetched in the background, and
 * every host name but loopback unresolvable, so no test can reach the internet.
 */
export const CHROMIUM_TEST_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1',
];

export type ExtensionBrowser = {
  context: BrowserContext;
  worker: Worker;
  extensionId: string;
  /** Runs in the extension's service worker (chrome.* available). */
  evaluate<R, A>(fn: (arg: A) => R | Promise<R>, arg: A): Promise<R>;
  extensionPage(path: string, viewport?: { width: number; height: number }): Promise<Page>;
  close(): Promise<void>;
};

/** Where Debian's Chromium reads machine policy (JSON files, as root). */
export const POLICY_DIR = '/etc/chromium/policies/managed';
const POLICY_PREFIX = 'savvysolve-meet-e2e-';

const isAlive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** Removes policy files an earlier run left behind (a crashed run must not steer this one). */
function sweepStalePolicies() {
  if (!existsSync(POLICY_DIR)) return;
  for (const name of readdirSync(POLICY_DIR)) {
    const pid = Number(/^savvysolve-meet-e2e-(\d+)\.json$/.exec(name)?.[1]);
    if (pid && pid !== process.pid && !isAlive(pid)) rmSync(`${POLICY_DIR}/${name}`, { force: true });
  }
}

/**
 * Writes the extension's managed storage policy as an admin would; returns the function that removes it. Before
 * launch (`LaunchOptions.policy`), or after it to play a policy that arrives late: Chrome applies a file written
 * later about 5 s after it lands, with `storage.onChanged` (area `managed`).
 */
export function writeExtensionPolicy(values: Record<string, unknown>): () => void {
  const file = `${POLICY_DIR}/${POLICY_PREFIX}${process.pid}.json`;
  try {
    mkdirSync(POLICY_DIR, { recursive: true });
    writeFileSync(file, JSON.stringify({ '3rdparty': { extensions: { [EXTENSION_ID]: values } } }, null, 2));
  } catch (error) {
    throw new Error(`Cannot write the test policy ${file} (run the e2e tests as root): ${(error as Error).message}`);
  }
  const remove = () => rmSync(file, { force: true });
  process.once('exit', remove);
  return remove;
}

export type LaunchOptions = {
  /** Chrome policy for the extension (storage.managed), written before launch and removed on close. */
  policy?: Record<string, unknown>;
  /** Another build of the extension (the demo's); default the one `npm run build` makes. */
  extensionDir?: string;
  /**
   * The test may write a policy after launch (`writeExtensionPolicy`): the extension is left to wait for one, as on a
   * fresh install. Otherwise a launch without `policy` tells the extension at once that this profile is unmanaged —
   * what it would conclude by itself after its wait (`extension/lib/managed-policy.ts`) — so tests skip that wait.
   */
  policyMayFollow?: boolean;
};

/** `noPolicyItem` in `extension/lib/managed-policy.ts` (storage.local). */
const NO_POLICY_KEY = 'managedPolicyAbsent';

/** Headless Debian Chromium with the built extension loaded, in a fresh profile; no traffic leaves loopback. */
export async function launchExtensionBrowser(options: LaunchOptions = {}): Promise<ExtensionBrowser> {
  const extensionDir = options.extensionDir ?? EXTENSION_DIR;
  if (!existsSync(`${extensionDir}/manifest.json`)) {
    throw new Error(`No built extension at ${extensionDir}: run \`npm run build\` first (npm test does).`);
  }
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(`Chromium not found at ${CHROMIUM_PATH}: apt-get install -y chromium (or set CHROMIUM_PATH).`);
  }
  mkdirSync(ARTIFACTS_DIR, { recursive: true });
  sweepStalePolicies();
  const removePolicy = options.policy ? writeExtensionPolicy(options.policy) : () => {};
  let context: BrowserContext;
  try {
    context = await chromium.launchPersistentContext('', {
      executablePath: CHROMIUM_PATH,
      headless: true,
      viewport: { width: 1200, height: 760 },
      args: [
        `--disable-extensions-except=${extensionDir}`,
        `--load-extension=${extensionDir}`,
        '--disable-background-networking',
        ...CHROMIUM_TEST_ARGS,
      ],
    });
  } catch (error) {
    removePolicy();
    throw error;
  }
  const worker = context.serviceWorkers()[0] ?? (await context.waitForEvent('serviceworker'));
  const extensionId = new URL(worker.url()).host;
  if (!options.policy && !options.policyMayFollow) await worker.evaluate((key) => chrome.storage.local.set({ [key]: true }), NO_POLICY_KEY);
  const currentWorker = () =>
    context.serviceWorkers().find((candidate) => candidate.url().startsWith(`chrome-extension://${extensionId}/`)) ?? worker;
  return {
    context,
    worker,
    extensionId,
    evaluate: (fn, arg) => currentWorker().evaluate(fn as never, arg) as never,
    async extensionPage(path, viewport) {
      const page = await context.newPage();
      if (viewport) await page.setViewportSize(viewport);
      await page.goto(`chrome-extension://${extensionId}/${path}`);
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

/** Writes settings as the options page would, and waits until the content script runs on the session pages. */
export async function configureExtension(
  browser: ExtensionBrowser,
  settings: { backendUrl: string; sessionUrlPatterns: string[]; oauthClientId: string; authorizationEndpoint: string },
  expectedMatch: string,
): Promise<void> {
  await browser.evaluate((values) => chrome.storage.local.set(values), settings);
  const registeredMatches = () =>
    browser.evaluate(async () => {
      const scripts = await chrome.scripting.getRegisteredContentScripts();
      return scripts.flatMap((script) => script.matches ?? []);
    }, undefined);
  await expect
    .poll(registeredMatches, { message: `the content script registered for ${expectedMatch}`, timeout: 20_000 })
    .toContain(expectedMatch);
}

/** True for the extension's starting page a first click opens (`meet-start.html`) while it has no error to show. */
export const isStartingPage = (url: URL) => url.pathname.endsWith('/meet-start.html') && !url.searchParams.has('error');

/** Resolves with the next tab the extension opens, once it has left the starting page (for the room or an error). */
export async function nextTab(context: BrowserContext) {
  const tab = await context.waitForEvent('page', { timeout: 15_000 });
  await tab.waitForURL((url) => url.protocol !== 'about:' && !isStartingPage(url), { timeout: 20_000 });
  return tab;
}
