/// <reference types="chrome" />
import { SessionPage } from './pages/session-page.ts';
import { SidePanel } from './pages/side-panel.ts';
import { ADA } from './support/e2e-stack.ts';
import { ARTIFACTS_DIR, nextTab } from './support/extension-browser.ts';
import { expect, test } from './support/fixtures.ts';

/**
 * The session header's call line and the side panel's card tell the same state at the same time: both read the
 * background's one session list (the panel on its live update, the header when the background says the list
 * changed). Before, the header polled every 30 s and once said "Opening the room to the customer…" for 11 s after
 * the panel said "SMS delivered".
 */
test.use({ suite: { name: 'same-state', stack: { ably: true } } });
test.describe.configure({ mode: 'serial' });

/** Far below the header's own 30 s poll: only a push from the background gets it there in time. */
const FOLLOWS_WITHIN_MS = 5_000;
const CUSTOMER = { kind: 'anonymous', displayName: 'Customer' } as const;

test('the header follows the side panel after every change of the call', async ({ stack, extension }) => {
  const adaId = await stack.api.createSolver({ ...ADA, employment: 'employed', googleEmail: ADA.email });
  const sessionId = await stack.api.createSession({ solverId: adaId, customerName: 'Dorothy Vaughan', customerPhone: '+14155550188' });
  const panel = await SidePanel.open(extension);
  await expect(panel.signInButton.or(panel.accountName)).toBeVisible();
  if (await panel.signInButton.isVisible()) await panel.signIn();
  const card = panel.card('Dorothy Vaughan');
  await expect(card).toBeVisible();

  const session = await SessionPage.open(extension.context, stack.fixture.url, sessionId);
  const opened = nextTab(extension.context);
  await session.meetButton.click();
  const meet = await opened;
  const code = new URL(meet.url()).pathname.split('/').at(-1)!;
  await meet.close();

  const header = session.page.getByTestId('savvysolve-meet-call-status');
  const panelLine = card.getByTestId('session-call');
  const bothSay = async (text: RegExp) => {
    await expect(panelLine).toHaveText(text, { timeout: 20_000 });
    await expect(header).toHaveText(text, { timeout: FOLLOWS_WITHIN_MS });
  };

  await bothSay(/^Waiting for the customer · SMS delivered/);
  stack.emulators.google.meet.join(code, CUSTOMER);
  await bothSay(/^Customer in the call/);
  await session.page.screenshot({ path: `${ARTIFACTS_DIR}/same-state-header-in-call.png` });
  stack.emulators.google.meet.leave(code, CUSTOMER);
  await bothSay(/^Customer left/);
});
