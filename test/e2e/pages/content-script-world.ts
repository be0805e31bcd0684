import type { CDPSession, Page } from 'playwright-core';

/** What code run in the content script's world gave back: its value, or what it threw. */
export type WorldResult<R> = { value: R } | { threw: string };

type ExecutionContext = { id: number; origin: string; name: string; auxData?: { type?: string; isDefault?: boolean } };

/**
 * The extension's content script world in a page (its isolated world: `chrome.runtime` and `chrome.storage` as the
 * content script sees them), reached through CDP — what a compromised session page's renderer controls. The context is
 * the one `Runtime.executionContextCreated` reports as `isolated` with origin `chrome-extension://<id>`.
 */
export class ContentScriptWorld {
  private constructor(
    private readonly cdp: CDPSession,
    private readonly contextId: number,
  ) {}

  /** Waits for the content script's world in `page` (it exists once the content script has run there). */
  static async attach(page: Page, extensionId: string, timeoutMs = 10_000): Promise<ContentScriptWorld> {
    const cdp = await page.context().newCDPSession(page);
    const origin = `chrome-extension://${extensionId}`;
    let found: ExecutionContext | undefined;
    const seen = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no content script world (${origin}) in ${page.url()}`)), timeoutMs);
      cdp.on('Runtime.executionContextCreated', ({ context }: { context: ExecutionContext }) => {
        if (context.auxData?.type !== 'isolated' || context.origin !== origin) return;
        found = context;
        clearTimeout(timer);
        resolve();
      });
    });
    // Enabling reports every context that already exists, then each new one.
    await cdp.send('Runtime.enable');
    await seen;
    return new ContentScriptWorld(cdp, found!.id);
  }

  /** Runs `fn(arg)` in the content script's world (as `page.evaluate` does in the page's own). */
  async evaluate<R, A>(fn: (arg: A) => R | Promise<R>, arg: A): Promise<WorldResult<R>> {
    const expression = `(async () => {
      try { return { value: await (${fn.toString()})(${JSON.stringify(arg)}) }; }
      catch (error) { return { threw: String(error?.message ?? error) }; }
    })()`;
    const { result, exceptionDetails } = await this.cdp.send('Runtime.evaluate', {
      expression,
      contextId: this.contextId,
      awaitPromise: true,
      returnByValue: true,
    });
    if (exceptionDetails) return { threw: exceptionDetails.exception?.description ?? exceptionDetails.text };
    return result.value as WorldResult<R>;
  }

  /** Sends one of the extension's runtime requests, as the content script's `sendMessage` does; the raw reply. */
  ask(type: string, payload?: unknown): Promise<WorldResult<unknown>> {
    return this.evaluate(
      (request) => chrome.runtime.sendMessage({ kind: 'savvysolve.request', type: request.type, payload: request.payload }),
      { type, payload },
    );
  }

  async close(): Promise<void> {
    await this.cdp.detach();
  }
}
