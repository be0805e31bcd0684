import type { browser } from 'wxt/browser';
import { originMatchPatterns } from '../../lib/session-url-pattern.ts';

export type ScriptingApi = Pick<
  typeof browser.scripting,
  'getRegisteredContentScripts' | 'registerContentScripts' | 'unregisterContentScripts'
>;

export const SESSION_SCRIPT_ID = 'savvysolve-session';
/** Where WXT writes the `session.content` entrypoint. */
export const SESSION_SCRIPT_FILE = 'content-scripts/session.js' as const;

/**
 * Keeps the content script registered on the origins of the configured session URL patterns. It runs on the whole
 * origin (SPA navigation can lead from any page to a session page); page detection then decides. Chrome injects
 * it only where the extension has host access, which the options page requests.
 * @returns the match patterns, and whether the registration changed (pages already open on new origins have no
 *   script yet: see {@link injectIntoOpenTabs}).
 */
export async function syncSessionScript(
  scripting: ScriptingApi,
  sessionUrlPatterns: readonly string[],
): Promise<{ matches: string[]; changed: boolean }> {
  const matches = originMatchPatterns(sessionUrlPatterns).sort();
  const registered = await scripting.getRegisteredContentScripts({ ids: [SESSION_SCRIPT_ID] });
  const current = [...(registered[0]?.matches ?? [])].sort();
  if (registered.length > 0 && current.join('\n') === matches.join('\n')) return { matches, changed: false };
  if (registered.length > 0) await scripting.unregisterContentScripts({ ids: [SESSION_SCRIPT_ID] });
  if (matches.length === 0) return { matches, changed: registered.length > 0 };
  await scripting.registerContentScripts([
    { id: SESSION_SCRIPT_ID, js: [SESSION_SCRIPT_FILE], matches, runAt: 'document_idle', persistAcrossSessions: true },
  ]);
  return { matches, changed: true };
}

type TabsApi = Pick<typeof browser.tabs, 'query'>;
type InjectApi = Pick<typeof browser.scripting, 'executeScript'>;

/**
 * Registered scripts only reach pages loaded afterwards: on install or update, and when the registration changes
 * (the settings arrived after a session page was opened), also run it in the session pages already open, so
 * solvers need not reload them. (A newer copy of the script retires an older one.)
 */
export async function injectIntoOpenTabs(scripting: InjectApi, tabs: TabsApi, sessionUrlPatterns: readonly string[]): Promise<number> {
  const matches = originMatchPatterns(sessionUrlPatterns);
  if (matches.length === 0) return 0;
  const open = await tabs.query({ url: matches });
  const injected = await Promise.all(
    open.map(async (tab) => {
      if (tab.id === undefined) return false;
      try {
        await scripting.executeScript({ target: { tabId: tab.id }, files: [`/${SESSION_SCRIPT_FILE}`] });
        return true;
      } catch {
        // A tab we may not script (discarded, error page): it gets the script on its next load.
        return false;
      }
    }),
  );
  return injected.filter(Boolean).length;
}
