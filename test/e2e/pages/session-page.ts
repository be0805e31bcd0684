import type { BrowserContext, Locator, Page } from '@playwright/test';

const HOST_TAG = 'savvysolve-meet-button';

/** The fixture SavvySolve session page, and the Meet button the extension adds to it. */
export class SessionPage {
  constructor(readonly page: Page) {}

  static async open(context: BrowserContext, fixtureUrl: string, sessionId: string, others: string[] = []): Promise<SessionPage> {
    const page = await context.newPage();
    await page.addInitScript(recordHostsAdded, HOST_TAG);
    const query = others.length > 0 ? `?others=${others.join(',')}` : '';
    await page.goto(`${fixtureUrl}/sessions/${sessionId}${query}`);
    return new SessionPage(page);
  }

  get header(): Locator {
    return this.page.locator('[data-savvysolve-session-header]');
  }

  /** Inside the shadow root (open), which Playwright's locators pierce. */
  get meetButton(): Locator {
    return this.page.getByTestId('savvysolve-meet-button');
  }

  /** Signed out: the quiet "Sign in to start a video call" in the header (in the same shadow host). */
  get signInControl(): Locator {
    return this.page.getByTestId('savvysolve-meet-sign-in');
  }

  get notice(): Locator {
    return this.page.getByTestId('savvysolve-meet-notice');
  }

  /** The stand-in SavvySolve app's panel "Events from SavvySolve Meet" (fixture server with host wiring). */
  get hostEvents(): Locator {
    return this.page.locator('[data-host-events]');
  }

  /** Rows of that panel for one event type (`data-signature` is `valid` or `invalid`), newest first. */
  hostEventRows(type: string): Locator {
    return this.hostEvents.locator(`tr[data-event-type="${type}"]`);
  }

  /** The stand-in app's details of a session it made itself (customer, phone, solver, what it told the backend). */
  get details(): Locator {
    return this.page.locator('[data-session-details]');
  }

  /** Shadow hosts of the button anywhere on the page (to prove there is one). */
  hostCount(): Promise<number> {
    return this.page.locator(HOST_TAG).count();
  }

  /**
   * The page's path each time the extension put a shadow host (button or sign-in control) on it, since it was opened:
   * proves that none ever came, not only that none is there now.
   */
  hostsAdded(): Promise<string[]> {
    return this.page.evaluate(() => (window as unknown as { savvysolveHostsAdded: string[] }).savvysolveHostsAdded);
  }

  /** SPA navigation: the fixture's queue link does `history.pushState` and re-renders. */
  async goToSession(sessionId: string): Promise<void> {
    await this.page.locator(`a[data-session-link="${sessionId}"]`).click();
    await this.page.waitForURL(`**/sessions/${sessionId}**`);
  }

  async buttonText(): Promise<string> {
    return (await this.meetButton.textContent())?.trim() ?? '';
  }
}

/** Runs in the page before its scripts: notes the path whenever a shadow host of the extension is added. */
function recordHostsAdded(tag: string) {
  const added: string[] = [];
  (window as unknown as { savvysolveHostsAdded: string[] }).savvysolveHostsAdded = added;
  new MutationObserver((records) => {
    for (const record of records) {
      for (const node of record.addedNodes) {
        const element = node as Element;
        if (element.localName === tag || element.querySelector?.(tag)) added.push(location.pathname);
      }
    }
  }).observe(document, { childList: true, subtree: true });
}
