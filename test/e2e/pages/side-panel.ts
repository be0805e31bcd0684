import { writeFile } from 'node:fs/promises';
import type { BrowserContext, CDPSession, Locator, Page } from '@playwright/test';
import { nextTab, type ExtensionBrowser } from '../support/extension-browser.ts';

/** The side panel app (opened as a tab of `sidepanel.html`, which renders the same app as the panel). */
export class SidePanel {
  constructor(readonly page: Page) {}

  static async open(browser: ExtensionBrowser): Promise<SidePanel> {
    return new SidePanel(await browser.extensionPage('sidepanel.html', { width: 400, height: 760 }));
  }

  get accountName(): Locator {
    return this.page.getByTestId('account-name');
  }

  get signInButton(): Locator {
    return this.page.getByRole('button', { name: 'Sign in with Google' });
  }

  get notEligible(): Locator {
    return this.page.getByTestId('not-eligible');
  }

  card(customerName: string): Locator {
    return this.page.getByTestId('session-card').filter({ hasText: customerName });
  }

  /** Starts the card's Meet ("Start Google Meet"), closes the Meet tab it opened, and returns the room's meeting code. */
  async startMeet(customerName: string): Promise<string> {
    const opened = nextTab(this.page.context());
    await this.card(customerName).getByRole('button', { name: 'Start Google Meet' }).click();
    const meetTab = await opened;
    const code = new URL(meetTab.url()).pathname.split('/').at(-1)!;
    await meetTab.close();
    await this.page.bringToFront();
    return code;
  }

  /**
   * Signs in. With `choose`, the emulated Google may answer with its account chooser (several accounts in the
   * browser, no login_hint): launchWebAuthFlow shows it as a new page, where `choose.account` is picked.
   */
  async signIn(choose?: { context: BrowserContext; account: string }): Promise<void> {
    const chooser = choose?.context.waitForEvent('page', { timeout: 15_000 }).catch(() => undefined);
    await this.signInButton.click();
    if (chooser) {
      const page = await Promise.race([chooser, this.accountName.waitFor({ timeout: 15_000 }).then(() => undefined)]);
      if (page) await page.locator(`a[data-account="${choose!.account}"]`).click();
    }
    await this.accountName.waitFor();
  }

  async signOut(): Promise<void> {
    await this.page.getByRole('button', { name: 'Sign out' }).click();
    await this.signInButton.waitFor();
  }
}

/** A CDP answer relayed by `Target.receivedMessageFromTarget` (events carry no `id`). */
type CdpReply = { id?: number; result?: any; error?: { message: string } };

/**
 * The real side panel, opened by `chrome.sidePanel.open` (not a tab: Playwright does not list it as a page). Reached
 * through CDP: `Target.getTargets` lists it (a `page` target at `sidepanel.html`), and `Target.attachToTarget` +
 * `sendMessageToTarget` runs commands in it.
 */
export class RealSidePanel {
  private nextId = 1;
  private readonly pending = new Map<number, (message: CdpReply) => void>();

  private constructor(
    private readonly cdp: CDPSession,
    private readonly sessionId: string,
  ) {
    cdp.on('Target.receivedMessageFromTarget', (event) => {
      if (event.sessionId !== this.sessionId) return;
      const message = JSON.parse(event.message) as CdpReply;
      if (message.id !== undefined) this.pending.get(message.id)?.(message);
    });
  }

  /** The panel's target, or `undefined` while none is open (asked through any page of the browser). */
  static async find(page: Page, extensionId: string): Promise<RealSidePanel | undefined> {
    const cdp = await page.context().newCDPSession(page);
    const { targetInfos } = await cdp.send('Target.getTargets');
    const target = targetInfos.find((info) => info.url === `chrome-extension://${extensionId}/sidepanel.html`);
    if (!target) {
      await cdp.detach();
      return undefined;
    }
    const { sessionId } = await cdp.send('Target.attachToTarget', { targetId: target.targetId, flatten: false });
    return new RealSidePanel(cdp, sessionId);
  }

  private call(method: string, params: object = {}): Promise<any> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, (message) => (message.error ? reject(new Error(message.error.message)) : resolve(message.result)));
      void this.cdp
        .send('Target.sendMessageToTarget', { sessionId: this.sessionId, message: JSON.stringify({ id, method, params }) })
        .catch(reject);
    });
  }

  /** What the panel shows, as text. */
  /** The panel's visible text; '' while its document has no body yet (just opened). */
  async text(): Promise<string> {
    const { result } = await this.call('Runtime.evaluate', { expression: 'document.body?.innerText ?? ""', returnByValue: true });
    return typeof result?.value === 'string' ? result.value : '';
  }

  async screenshot(path: string): Promise<void> {
    const { data } = await this.call('Page.captureScreenshot', { format: 'png' });
    await writeFile(path, Buffer.from(data, 'base64'));
  }

  async close(): Promise<void> {
    await this.cdp.detach();
  }
}
