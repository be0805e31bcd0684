/// <reference types="chrome" />
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { SidePanel } from '../e2e/pages/side-panel.ts';
import { ADA, OAUTH_CLIENT_ID, startE2EStack, type E2EStack } from '../e2e/support/e2e-stack.ts';
import { CHROMIUM_PATH, configureExtension, launchExtensionBrowser, type ExtensionBrowser } from '../e2e/support/extension-browser.ts';
import { RESULTS_DIR, ROOT } from './child-process.ts';
import { summarize, type Summary } from './stats.ts';

export type BundleSize = { files: string[]; rawBytes: number; gzipBytes: number };

export type ExtensionResult =
  | { measured: false; reason: string; bundles?: Record<string, BundleSize> }
  | {
      measured: true;
      runs: number;
      /** Session header in the DOM → the button rendered in its shadow root (includes the canUseMeet round trip). */
      headerToButton: Summary;
      /** Session header in the DOM → the shadow host inserted into the header. */
      headerToHost: Summary;
      /** First click on Start Google Meet → the new tab exists (the starting page), Calendar held at CALENDAR_MS. */
      clickToTab: Summary;
      /** First click → the tab is on the Meet room (Calendar's answer included). */
      clickToRoom: Summary;
      bundles: Record<string, BundleSize>;
      buildMs: number;
    };

const OUT_DIR = `${RESULTS_DIR}/extension`;
const EXTENSION_DIR = `${OUT_DIR}/chrome-mv3`;

/** `wxt build` with the project's config into test/bench/results/extension (never `.output/`, which e2e uses). */
function buildExtension(): Promise<number> {
  rmSync(OUT_DIR, { recursive: true, force: true });
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'test/bench/build-extension.ts'], {
      cwd: ROOT,
      env: { ...process.env, BENCH_EXTENSION_OUT_DIR: OUT_DIR, CI: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.once('error', reject);
    child.once('exit', (code) =>
      code === 0 && existsSync(`${EXTENSION_DIR}/manifest.json`)
        ? resolve(performance.now() - started)
        : reject(new Error(`wxt build failed (${code}): ${output.slice(-800)}`)),
    );
  });
}

function sizeOf(files: string[]): BundleSize {
  let rawBytes = 0;
  let gzipBytes = 0;
  for (const file of files) {
    const bytes = readFileSync(`${EXTENSION_DIR}/${file}`);
    rawBytes += bytes.length;
    gzipBytes += gzipSync(bytes, { level: 9 }).length;
  }
  return { files, rawBytes, gzipBytes };
}

/** What each context loads: the content script's files from the manifest; the side panel's from its HTML (scripts, preloads, styles). */
export function bundleSizes(): Record<string, BundleSize> {
  const manifest = JSON.parse(readFileSync(`${EXTENSION_DIR}/manifest.json`, 'utf8')) as {
    side_panel?: { default_path: string };
    background?: { service_worker: string };
  };
  const contentFiles = readdirSync(`${EXTENSION_DIR}/content-scripts`).map((name) => `content-scripts/${name}`);
  const panelHtml = manifest.side_panel?.default_path ?? 'sidepanel.html';
  const html = readFileSync(`${EXTENSION_DIR}/${panelHtml}`, 'utf8');
  const panelFiles = [...html.matchAll(/(?:src|href)="\/?([^"]+\.(?:js|css))"/g)].map((match) => match[1]!);
  return {
    contentScript: sizeOf(contentFiles),
    sidePanel: sizeOf([panelHtml, ...panelFiles]),
    ...(manifest.background ? { background: sizeOf([manifest.background.service_worker]) } : {}),
  };
}

/**
 * Records, in the page, when the header and the button appear (MutationObserver callbacks run right after the
 * change). A string, not a function: tsx's name helpers would not exist in the page.
 */
const RECORD_MOUNT_TIMES = `(() => {
  const marks = {};
  window.__ssmMarks = marks;
  let watchedRoot;
  function check() {
    const now = performance.now();
    if (marks.header === undefined && document.querySelector('[data-savvysolve-session-header]')) marks.header = now;
    const host = document.querySelector('savvysolve-meet-button');
    if (!host) return;
    if (marks.host === undefined) marks.host = now;
    const root = host.shadowRoot;
    if (!root) return;
    if (marks.button === undefined && root.querySelector('[data-testid="savvysolve-meet-button"]')) marks.button = now;
    if (root !== watchedRoot) {
      watchedRoot = root;
      new MutationObserver(check).observe(root, { childList: true, subtree: true });
    }
  }
  new MutationObserver(check).observe(document, { childList: true, subtree: true });
})();`;

/** How long the emulated Calendar takes to answer while the clicks are measured (a real insert: ~200 ms). */
export const CALENDAR_MS = 200;

export async function measureExtension(options: {
  runs: number;
  warmupRuns: number;
  log: (line: string) => void;
}): Promise<ExtensionResult> {
  if (!existsSync(`${ROOT}/wxt.config.ts`) || !existsSync(`${ROOT}/extension`)) {
    return { measured: false, reason: 'extension not built: no wxt.config.ts / extension/ in this checkout' };
  }
  let buildMs: number;
  try {
    options.log('  wxt build → test/bench/results/extension');
    buildMs = await buildExtension();
  } catch (error) {
    return { measured: false, reason: `extension not built: ${(error as Error).message.split('\n')[0]}` };
  }
  const bundles = bundleSizes();
  if (!existsSync(CHROMIUM_PATH)) return { measured: false, reason: `Chromium not found at ${CHROMIUM_PATH}`, bundles };

  let stack: E2EStack | undefined;
  let browser: ExtensionBrowser | undefined;
  try {
    stack = await startE2EStack();
    const solverId = await stack.api.createSolver({ ...ADA, employment: 'employed', googleEmail: ADA.email });
    const sessionId = await stack.api.createSession({ solverId, customerName: 'Grace Hopper', customerPhone: '+14155550123' });
    browser = await launchExtensionBrowser({ extensionDir: EXTENSION_DIR });
    const fixturePort = new URL(stack.fixture.url).port;
    await configureExtension(
      browser,
      {
        backendUrl: stack.backend.url,
        sessionUrlPatterns: [`http://127.0.0.1:${fixturePort}/sessions/:sessionId`],
        oauthClientId: OAUTH_CLIENT_ID,
        authorizationEndpoint: `${stack.emulators.google.url}/o/oauth2/v2/auth`,
      },
      'http://127.0.0.1/*',
    );
    const panel = await SidePanel.open(browser);
    await Promise.race([panel.accountName.waitFor(), panel.signInButton.waitFor()]);
    if (!(await panel.accountName.isVisible())) await panel.signIn();
    await panel.page.close();

    const headerToButton: number[] = [];
    const headerToHost: number[] = [];
    options.log(`  ${options.warmupRuns} warm-up + ${options.runs} page loads`);
    for (let run = 0; run < options.warmupRuns + options.runs; run++) {
      const page = await browser.context.newPage();
      await page.addInitScript({ content: RECORD_MOUNT_TIMES });
      await page.goto(`${stack.fixture.url}/sessions/${sessionId}`);
      const marks = await page
        .waitForFunction('window.__ssmMarks && window.__ssmMarks.button !== undefined && window.__ssmMarks', undefined, { timeout: 15_000 })
        .catch(async (error) => {
          const state = await page.evaluate(() => ({
            marks: (window as unknown as { __ssmMarks?: unknown }).__ssmMarks,
            host: Boolean(document.querySelector('savvysolve-meet-button')),
            open: Boolean(document.querySelector('savvysolve-meet-button')?.shadowRoot),
          }));
          const visible = await page.getByTestId('savvysolve-meet-button').count();
          throw new Error(
            `${(error as Error).message.split('\n')[0]} (page: ${JSON.stringify(state)}, buttons found by Playwright: ${visible})`,
          );
        })
        .then((handle) => handle.jsonValue() as Promise<{ header: number; host: number; button: number }>);
      await page.close();
      if (run < options.warmupRuns) continue;
      headerToButton.push(marks.button - marks.header);
      headerToHost.push(marks.host - marks.header);
    }

    // A first click per session: the tab opens at once, and reaches the room once Calendar has answered.
    stack.emulators.google.faults.set('events.insert', { latencyMs: CALENDAR_MS });
    const clickToTab: number[] = [];
    const clickToRoom: number[] = [];
    options.log(`  ${options.runs} first clicks (Calendar held ${CALENDAR_MS} ms)`);
    for (let run = 0; run < options.runs; run++) {
      const fresh = await stack.api.createSession({
        solverId,
        customerName: `Click ${run}`,
        customerPhone: `+1415555${String(1000 + run)}`,
      });
      const page = await browser.context.newPage();
      await page.goto(`${stack.fixture.url}/sessions/${fresh}`);
      const button = page.getByTestId('savvysolve-meet-button');
      await button.waitFor({ state: 'visible', timeout: 15_000 });
      const opened = browser.context.waitForEvent('page', { timeout: 15_000 }).then((tab) => ({ tab, at: performance.now() }));
      const clickedAt = performance.now();
      await button.click();
      const { tab, at } = await opened;
      await tab.waitForURL((url) => /\/[a-z]{3}-[a-z]{4}-[a-z]{3}$/.test(url.pathname), { timeout: 15_000 });
      clickToTab.push(at - clickedAt);
      clickToRoom.push(performance.now() - clickedAt);
      await tab.close();
      await page.close();
    }
    stack.emulators.google.faults.clear();
    return {
      measured: true,
      runs: options.runs,
      headerToButton: summarize(headerToButton),
      headerToHost: summarize(headerToHost),
      clickToTab: summarize(clickToTab),
      clickToRoom: summarize(clickToRoom),
      bundles,
      buildMs,
    };
  } catch (error) {
    return { measured: false, reason: `extension measurement failed: ${(error as Error).message.split('\n')[0]}`, bundles };
  } finally {
    await browser?.close();
    await stack?.close();
  }
}
