import type { Locator, Page } from 'playwright-core';
import type { ExtensionBrowser } from '../support/extension-browser.ts';

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

  async signIn(): Promise<void> {
    await this.signInButton.click();
    await this.accountName.waitFor();
  }

  async signOut(): Promise<void> {
    await this.page.getByRole('button', { name: 'Sign out' }).click();
    await this.signInButton.waitFor();
  }
}
