/// <reference types="chrome" />
import { test as base, type BrowserContext } from '@playwright/test';
import { settingsFor, startE2EStack, type E2EStack, type E2EStackOptions } from './e2e-stack.ts';
import { configureExtension, launchExtensionBrowser, type ExtensionBrowser, type LaunchOptions } from './extension-browser.ts';

export { expect } from '@playwright/test';

/**
 * What one e2e file runs against, set at its top with `test.use({ suite: { … } })`. It is a worker option, so each
 * distinct value gets its own worker: its own stack and browser, set up before the file's first test and torn down
 * after its last. `name` keeps two files with the same settings apart — make it unique (the file's name).
 */
export type E2ESuite = {
  name: string;
  /** The stack's options (Ably, Twilio status callbacks); `false`: no stack (a file that brings its own). */
  stack?: E2EStackOptions | false;
  /** How the browser is launched; `false`: no browser from the fixture (a file that launches its own). */
  browser?: Pick<LaunchOptions, 'policyMayFollow'> | false;
};

type WorkerFixtures = {
  suite: E2ESuite;
  /** Emulators, the real backend on PGlite and the fixture session app (`startE2EStack`), one per file. */
  stack: E2EStack;
  /** Debian's Chromium with the built extension, configured for `stack` (the options page's settings), one per file. */
  extension: ExtensionBrowser;
};

type TestFixtures = {
  /** The extension browser's persistent context (Playwright's `page` opens in it). */
  context: BrowserContext;
  /** The extension's id (pinned by the manifest `key`), read from its service worker's URL. */
  extensionId: string;
};

/**
 * Playwright Test with the extension loaded, after WXT's e2e example (wxt-dev/examples `playwright-e2e-testing`):
 * `context` and `extensionId`, plus the file's `stack` and the `extension` handle (service-worker `evaluate`,
 * extension pages). Files run one at a time (`workers: 1`); tests in a file share the browser and run in order.
 */
export const test = base.extend<TestFixtures, WorkerFixtures>({
  suite: [{ name: '' }, { scope: 'worker', option: true }],

  stack: [
    async ({ suite }, use) => {
      requireName(suite);
      if (suite.stack === false) throw new Error(`the e2e suite "${suite.name}" runs without the fixture stack`);
      const stack = await startE2EStack(suite.stack ?? {});
      try {
        await use(stack);
      } finally {
        await stack.close();
      }
    },
    { scope: 'worker', timeout: 120_000 },
  ],

  extension: [
    async ({ suite, stack }, use) => {
      requireName(suite);
      if (suite.browser === false) throw new Error(`the e2e suite "${suite.name}" launches its own browser`);
      const browser = await launchExtensionBrowser(suite.browser ?? {});
      try {
        await configureExtension(browser, settingsFor(stack), 'http://127.0.0.1/*');
        await use(browser);
      } finally {
        await browser.close();
      }
    },
    { scope: 'worker', timeout: 120_000 },
  ],

  context: async ({ extension }, use) => use(extension.context),
  extensionId: async ({ extension }, use) => use(extension.extensionId),
});

function requireName(suite: E2ESuite) {
  if (!suite.name) throw new Error('each e2e file sets test.use({ suite: { name: <the file> } }): it keeps files on their own stack');
}
