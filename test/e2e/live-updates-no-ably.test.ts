/// <reference types="chrome" />
import { mkdirSync } from 'node:fs';
import { OptionsPage } from './pages/options-page.ts';
import { SidePanel } from './pages/side-panel.ts';
import { ADA } from './support/e2e-stack.ts';
import { ARTIFACTS_DIR } from './support/extension-browser.ts';
import { expect, test } from './support/fixtures.ts';

/** Screenshots go with the other artifacts, or where E2E_SHOTS_DIR says (e.g. /tmp/shots). */
const SHOTS_DIR = process.env.E2E_SHOTS_DIR ?? ARTIFACTS_DIR;

// The default stack: no Ably on the backend.
test.use({ suite: { name: 'live-updates-no-ably' } });

test.beforeAll(async ({ stack }) => {
  mkdirSync(SHOTS_DIR, { recursive: true });
  const adaId = await stack.api.createSolver({ ...ADA, employment: 'employed', googleEmail: ADA.email });
  await stack.api.createSession({ solverId: adaId, customerName: 'Grace Hopper', customerPhone: '+14155550123' });
});

test.describe('live updates with no Ably on the backend', () => {
  test('says "Live updates: off — Ably is not configured on the backend" in the side panel and on the options page', async ({
    extension,
  }) => {
    const panel = await SidePanel.open(extension);
    await expect(panel.signInButton.or(panel.accountName)).toBeVisible();
    if (await panel.signInButton.isVisible()) await panel.signIn();
    const notConfigured = 'Live updates: off — Ably is not configured on the backend';
    await expect(panel.page.getByTestId('live-mode')).toHaveText(notConfigured);
    await expect(panel.card('Grace Hopper')).toBeVisible();
    await panel.page.screenshot({ path: `${SHOTS_DIR}/live-updates-panel-not-configured.png` });

    const options = await OptionsPage.open(extension);
    await expect(options.page.getByTestId('status-live-updates')).toHaveText(notConfigured);
    await options.page.screenshot({ path: `${SHOTS_DIR}/live-updates-options-not-configured.png`, fullPage: true });
  });
});
