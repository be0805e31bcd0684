/// <reference types="chrome" />
import { mkdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SidePanel } from './pages/side-panel.ts';
import { scanAccessibility } from './support/accessibility.ts';
import { ADA, settingsFor } from './support/e2e-stack.ts';
import { ARTIFACTS_DIR } from './support/extension-browser.ts';
import { expect, test } from './support/fixtures.ts';
import { launchPolicyInstalled, startUpdateServer, type UpdateServer } from './support/policy-install.ts';

/** Screenshots go with the other artifacts, or where E2E_SHOTS_DIR says (e.g. /tmp/shots). */
const SHOTS_DIR = process.env.E2E_SHOTS_DIR ?? ARTIFACTS_DIR;

/** A backend the organization does not want used: it only counts what reaches it (and answers 503). */
async function startUnwantedBackend(): Promise<{ url: string; requests: string[]; close(): Promise<void> }> {
  const requests: string[] = [];
  const server: Server = createServer((request, response) => {
    requests.push(`${request.method} ${request.url}`);
    response.writeHead(503).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/**
 * Only an install made by policy waits for its settings (an unpacked or hand-made install goes on at once:
 * first-run.test.ts). So the browser is launched in the test as a managed machine's: force-installed from a
 * self-hosted package, with the install policy there and the extension's settings not yet.
 */
test.use({ suite: { name: 'managed-policy-late', browser: false } });

let browser: Awaited<ReturnType<typeof launchPolicyInstalled>> | undefined;
let updates: UpdateServer;
let unwanted: Awaited<ReturnType<typeof startUnwantedBackend>>;

test.beforeAll(async ({ stack }) => {
  mkdirSync(SHOTS_DIR, { recursive: true });
  await stack.api.createSolver({ ...ADA, employment: 'employed', googleEmail: ADA.email });
  unwanted = await startUnwantedBackend();
  updates = await startUpdateServer();
});

test.afterAll(async () => {
  await browser?.close();
  await updates?.close();
  await unwanted?.close();
});

test.describe('Chrome policy that arrives after start-up (fresh profile)', () => {
  test('says it waits for the organization’s settings and calls no backend until the policy is there, then uses it', async ({ stack }) => {
    /** Requests the real backend logged (nothing else calls it during the test: the stack is set up before). */
    const backendRequests = () => stack.logs.filter((line) => line.includes('"message":"request"')).length;
    const before = backendRequests();
    // Force-installed by policy, its settings policy not there yet: Chrome answers `{}`, as it can on a fresh
    // profile before policy loads.
    const launched = await launchPolicyInstalled(await updates.release('1.0.0'), {});
    browser = launched;
    await expect
      .poll(() => launched.evaluate(async () => (await chrome.management.getSelf()).installType, undefined), { timeout: 60_000 })
      .toBe('admin');
    // Without policy the extension would use this backend (what the solver typed, or a build's default).
    await launched.evaluate((values) => chrome.storage.local.set(values), { ...settingsFor(stack), backendUrl: unwanted.url });

    const panel = await SidePanel.open(launched);
    const waiting = panel.page.getByTestId('waiting-for-policy');
    await expect(waiting.getByRole('heading')).toHaveText('Waiting for your organization’s settings', { timeout: 10_000 });
    const options = await launched.extensionPage('options.html', { width: 900, height: 700 });
    await expect(options.getByTestId('waiting-for-policy')).toBeVisible({ timeout: 5_000 });
    await expect(options.getByRole('button', { name: 'Save' })).toHaveCount(0);

    // The admin's policy lands now; Chrome applies it some 5 s later, within the extension's 10 s wait.
    launched.setSettings({ ...settingsFor(stack), backendUrl: stack.backend.url });
    await panel.page.screenshot({ path: `${SHOTS_DIR}/policy-waiting.png` });
    await options.screenshot({ path: `${SHOTS_DIR}/policy-waiting-options.png` });
    const scan = await scanAccessibility(panel.page);
    expect(scan.report + scan.needsReview, 'axe on the waiting side panel').toBe('');

    // Until Chrome has the policy, the panel waits and no backend hears from the extension: neither the policy's
    // nor the one it would use without policy. Each sample counts the requests first, then checks the policy still
    // absent; a sample that breaks the rule is kept and reported after the wait.
    const broken: unknown[] = [];
    let samples = 0;
    await expect
      .poll(
        async () => {
          const requests = backendRequests() - before + unwanted.requests.length;
          const shown = await waiting.isVisible();
          const policy = await launched.evaluate(() => chrome.storage.managed.get(), undefined);
          if (Object.keys(policy).length > 0) return true;
          samples += 1;
          if (requests !== 0 || !shown) broken.push({ requests, shown, unwanted: [...unwanted.requests] });
          return false;
        },
        { message: 'Chrome to apply the policy written after start-up', timeout: 20_000, intervals: [200] },
      )
      .toBe(true);
    expect(broken).toEqual([]);
    expect(samples).toBeGreaterThan(1);

    // Then the policy's backend is used: the silent sign-in (or the button) goes there, and nothing to the other.
    await expect(panel.signInButton.or(panel.accountName)).toBeVisible({ timeout: 20_000 });
    if (await panel.signInButton.isVisible()) await panel.signIn();
    await expect(panel.accountName).toHaveText(ADA.name);
    expect(backendRequests()).toBeGreaterThan(before);
    await expect(options.getByTestId('managed-backendUrl')).toBeVisible();
    await expect(options.getByLabel('Backend URL', { exact: true })).toHaveValue(stack.backend.url);
    expect(unwanted.requests).toEqual([]);
    // The wait was for a policy, not for nothing: the next start-up waits again if Chrome answers `{}` first.
    expect(await launched.evaluate(() => chrome.storage.local.get('managedPolicyAbsent'), undefined)).not.toEqual({
      managedPolicyAbsent: true,
    });
  });
});
