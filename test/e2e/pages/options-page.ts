import type { Locator, Page } from '@playwright/test';
import type { ExtensionBrowser } from '../support/extension-browser.ts';

export class OptionsPage {
  constructor(readonly page: Page) {}

  static async open(browser: ExtensionBrowser): Promise<OptionsPage> {
    const page = await browser.extensionPage('options.html', { width: 900, height: 1000 });
    await page.getByRole('button', { name: 'Save' }).waitFor();
    return new OptionsPage(page);
  }

  field(label: string): Locator {
    return this.page.getByLabel(label, { exact: true });
  }

  managedBadge(key: string): Locator {
    return this.page.getByTestId(`managed-${key}`);
  }

  async save(): Promise<string> {
    await this.page.getByRole('button', { name: 'Save' }).click();
    const outcome = this.page.getByTestId('save-outcome');
    await outcome.waitFor();
    return (await outcome.textContent()) ?? '';
  }
}
