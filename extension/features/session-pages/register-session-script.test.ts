import { describe, expect, it, vi } from 'vitest';
import {
  injectIntoOpenTabs,
  SESSION_SCRIPT_FILE,
  SESSION_SCRIPT_ID,
  syncSessionScript,
  type ScriptingApi,
} from './register-session-script.ts';

function fakeScripting(initial: { id: string; matches: string[] }[] = []) {
  let registered = initial;
  const api = {
    getRegisteredContentScripts: vi.fn(async ({ ids }: { ids?: string[] } = {}) =>
      registered.filter((script) => !ids || ids.includes(script.id)),
    ),
    registerContentScripts: vi.fn(async (scripts: { id: string; matches?: string[] }[]) => {
      registered = [...registered, ...scripts.map((script) => ({ id: script.id, matches: script.matches ?? [] }))];
    }),
    unregisterContentScripts: vi.fn(async ({ ids }: { ids?: string[] } = {}) => {
      registered = registered.filter((script) => !ids?.includes(script.id));
    }),
  };
  return { api: api as unknown as ScriptingApi & typeof api, registered: () => registered };
}

describe('session content script registration', () => {
  it('registers the script on the origins of the session URL patterns', async () => {
    const scripting = fakeScripting();
    const { matches, changed } = await syncSessionScript(scripting.api, [
      'https://app.savvysolve.com/sessions/:sessionId',
      'https://app.savvysolve.com/console/*',
      'http://127.0.0.1:5173/s/:sessionId',
    ]);
    expect(matches).toEqual(['http://127.0.0.1/*', 'https://app.savvysolve.com/*']);
    expect(changed).toBe(true);
    expect(scripting.api.registerContentScripts).toHaveBeenCalledWith([
      { id: SESSION_SCRIPT_ID, js: [SESSION_SCRIPT_FILE], matches, runAt: 'document_idle', persistAcrossSessions: true },
    ]);
  });

  it('leaves an up-to-date registration alone and replaces a stale one', async () => {
    const scripting = fakeScripting([{ id: SESSION_SCRIPT_ID, matches: ['https://app.savvysolve.com/*'] }]);
    expect(await syncSessionScript(scripting.api, ['https://app.savvysolve.com/sessions/:sessionId'])).toEqual({
      matches: ['https://app.savvysolve.com/*'],
      changed: false,
    });
    expect(scripting.api.unregisterContentScripts).not.toHaveBeenCalled();
    expect(scripting.api.registerContentScripts).not.toHaveBeenCalled();

    expect((await syncSessionScript(scripting.api, ['https://eu.savvysolve.com/sessions/:sessionId'])).changed).toBe(true);
    expect(scripting.api.unregisterContentScripts).toHaveBeenCalledWith({ ids: [SESSION_SCRIPT_ID] });
    expect(scripting.registered()).toEqual([{ id: SESSION_SCRIPT_ID, matches: ['https://eu.savvysolve.com/*'] }]);
  });
});

describe('injecting into open session pages', () => {
  it('runs the script in the open tabs of the session origins, skipping those that refuse', async () => {
    const tabs = { query: vi.fn(async () => [{ id: 1 }, { id: 2 }, {}] as never) };
    const executeScript = vi.fn(async ({ target }: { target: { tabId: number } }) => {
      if (target.tabId === 2) throw new Error('Cannot access contents of the page');
      return [];
    });
    const injected = await injectIntoOpenTabs({ executeScript } as never, tabs, ['https://app.savvysolve.com/sessions/:sessionId']);
    expect(injected).toBe(1);
    expect(tabs.query).toHaveBeenCalledWith({ url: ['https://app.savvysolve.com/*'] });
    expect(executeScript).toHaveBeenCalledWith({ target: { tabId: 1 }, files: [`/${SESSION_SCRIPT_FILE}`] });
  });
});
