/// <reference types="chrome" />
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SidePanel } from './pages/side-panel.ts';
import { ADA, eventually, settingsFor, startE2EStack, type E2EStack } from './support/e2e-stack.ts';
import { ARTIFACTS_DIR, configureExtension, launchExtensionBrowser, nextTab, type ExtensionBrowser } from './support/extension-browser.ts';

describe('the side panel and toolbar in real Chromium', () => {
  let stack: E2EStack;
  let browser: ExtensionBrowser;
  let adaId: string;

  beforeAll(async () => {
    stack = await startE2EStack();
    adaId = await stack.api.createSolver({ ...ADA, employment: 'employed', googleEmail: ADA.email });
    await stack.api.createSession({ solverId: adaId, customerName: 'Grace Hopper', customerPhone: '+14155550123' });
    browser = await launchExtensionBrowser();
    await configureExtension(browser, settingsFor(stack), 'http://127.0.0.1/*');
  });

  afterAll(async () => {
    await browser?.close();
    await stack?.close();
  });

  it('opens from the toolbar button', async () => {
    expect(await browser.evaluate(() => chrome.sidePanel.getPanelBehavior(), undefined)).toEqual({ openPanelOnActionClick: true });
    const manifest = await browser.evaluate(() => chrome.runtime.getManifest(), undefined);
    expect(manifest.side_panel).toEqual({ default_path: 'sidepanel.html' });
  });

  it('lists the session, starts its Meet, and follows link and SMS state without a reload', async () => {
    const panel = await SidePanel.open(browser);
    if (await panel.signInButton.isVisible()) await panel.signIn();
    await panel.accountName.waitFor();
    expect(await panel.accountName.textContent()).toBe(ADA.name);
    expect(await panel.page.getByTestId('live-mode').getAttribute('data-mode')).toBe('polling');

    const grace = panel.card('Grace Hopper');
    await grace.waitFor();
    expect(await grace.textContent()).toContain('••• ••• 0123');
    expect(await grace.textContent()).not.toContain('4155550123');
    expect(await grace.getByTestId('session-link').textContent()).toContain('No link yet');

    // A session assigned while the panel is open appears by itself (polling: the backend has no Ably here).
    await stack.api.createSession({ solverId: adaId, customerName: 'Alan Turing', customerPhone: '+442071234567' });
    await panel.card('Alan Turing').waitFor({ timeout: 15_000 });

    const opened = nextTab(browser.context);
    await grace.getByRole('button', { name: 'Start Google Meet' }).click();
    const meetTab = await opened;
    expect(meetTab.url()).toMatch(new RegExp(`^${stack.emulators.google.meetBaseUrl}/[a-z]{3}-[a-z]{4}-[a-z]{3}$`));
    await meetTab.close();

    const room = meetTab.url().replace(/^https?:\/\//, '');
    await eventually(async () => (await grace.getByTestId('session-link').textContent())?.includes(room), 'the link on the card');
    expect(await grace.getByTestId('session-source').textContent()).toBe('Calendar');
    // Twilio (emulated) reports `sent` then `delivered` through the signed status callback; the panel follows (on the
    // call line, which tells the SMS state while the customer is awaited).
    await eventually(
      async () => (await grace.getByTestId('session-call').textContent())?.startsWith('Waiting for the customer · SMS delivered'),
      'SMS delivered on the card',
      20_000,
    );

    // The toolbar badge counts sessions with a live Meet link.
    await eventually(async () => (await browser.evaluate(() => chrome.action.getBadgeText({}), undefined)) === '1', 'badge 1');
    expect(await browser.evaluate(() => chrome.action.getTitle({}), undefined)).toBe('SavvySolve Meet — 1 live Meet call');

    await panel.page.screenshot({ path: `${ARTIFACTS_DIR}/side-panel.png` });

    // Open and Copy act on that same link.
    const reopened = nextTab(browser.context);
    await grace.getByRole('button', { name: 'Open', exact: true }).click();
    expect((await reopened).url()).toBe(meetTab.url());
    await (await reopened).close();
    await panel.page.bringToFront();
    await grace.getByRole('button', { name: 'Copy link' }).click();
    await grace.getByRole('button', { name: 'Copied' }).waitFor();
    // Read the clipboard back from a web page that may (the browser's clipboard is shared).
    await browser.context.grantPermissions(['clipboard-read'], { origin: stack.fixture.url });
    const reader = await browser.context.newPage();
    await reader.goto(`${stack.fixture.url}/`);
    expect(await reader.evaluate(() => navigator.clipboard.readText())).toBe(meetTab.url());
    await reader.close();
  });
});
