import { readFileSync } from 'node:fs';
import { describe, expect, it, vi } from 'vitest';
import { fakeBrowser } from 'wxt/testing/fake-browser';
import {
  DEFAULT_SETTINGS,
  loadSettings,
  mergeSettings,
  saveSettings,
  SETTING_KEYS,
  validateSettings,
  watchSettings,
  withBuildDefaults,
} from './settings.ts';

describe('mergeSettings', () => {
  it('uses the defaults when nothing is set', () => {
    expect(mergeSettings({}, {})).toEqual({ values: DEFAULT_SETTINGS, managed: [], managedProblems: {} });
  });

  it('lets the options page override defaults and policy override both', () => {
    const merged = mergeSettings(
      { backendUrl: 'https://meet-api.example.com/', sessionHeaderSelector: '#header' },
      { backendUrl: 'https://policy.example.com', workspaceDomain: 'Example.com' },
    );
    expect(merged.values.backendUrl).toBe('https://policy.example.com');
    expect(merged.values.sessionHeaderSelector).toBe('#header');
    expect(merged.values.workspaceDomain).toBe('example.com');
    expect(merged.managed.sort()).toEqual(['backendUrl', 'workspaceDomain']);
  });

  it('ignores an invalid policy value, says why, and keeps the options-page value', () => {
    const merged = mergeSettings(
      { backendUrl: 'https://mine.example.com' },
      { backendUrl: 'http://plain-http.example.com', sessionUrlPatterns: ['nope'] },
    );
    expect(merged.values.backendUrl).toBe('https://mine.example.com');
    expect(merged.values.sessionUrlPatterns).toEqual(DEFAULT_SETTINGS.sessionUrlPatterns);
    expect(merged.managed).toEqual([]);
    expect(merged.managedProblems.backendUrl).toMatch(/https:\/\//);
    expect(merged.managedProblems.sessionUrlPatterns).toMatch(/not a session URL pattern/);
  });

  it('ignores a corrupt stored value instead of breaking', () => {
    expect(mergeSettings({ sessionUrlPatterns: 'not an array' }, {}).values.sessionUrlPatterns).toEqual(
      DEFAULT_SETTINGS.sessionUrlPatterns,
    );
  });
});

describe('validateSettings', () => {
  it.each([
    ['backendUrl', 'ftp://x', /https:\/\//],
    ['backendUrl', 'http://meet-api.example.com', /only for localhost/],
    ['sessionUrlPatterns', [], /at least one/],
    ['sessionUrlPatterns', ['https://ok.example.com/s/:sessionId', 'app.example.com'], /"app.example.com" is not a session URL pattern/],
    ['sessionHeaderSelector', '  ', /required/],
    ['authorizationEndpoint', 'not a url', /authorization endpoint/],
    ['workspaceDomain', 'not a domain', /example\.com/],
  ] as const)('refuses %s = %j', (key, value, problem) => {
    const result = validateSettings({ [key]: value });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.problems[key]).toMatch(problem);
  });

  it('accepts loopback http and trims', () => {
    expect(validateSettings({ backendUrl: ' http://127.0.0.1:8787/ ', sessionUrlPatterns: [' http://localhost/s/:sessionId '] })).toEqual({
      ok: true,
      values: { backendUrl: 'http://127.0.0.1:8787', sessionUrlPatterns: ['http://localhost/s/:sessionId'] },
    });
  });

  it('refuses to change a policy-managed setting', () => {
    const result = validateSettings({ backendUrl: 'https://a.example.com' }, ['backendUrl']);
    expect(result).toEqual({ ok: false, problems: { backendUrl: 'This setting is managed by your organization.' } });
  });
});

describe('settings in storage', () => {
  it('saves to storage.local and reads policy from storage.managed', async () => {
    await saveSettings({ backendUrl: 'https://mine.example.com', sessionHeaderSelector: '#h' });
    await fakeBrowser.storage.managed.set({ sessionHeaderSelector: '.policy-header' });
    const resolved = await loadSettings();
    expect(resolved.values.backendUrl).toBe('https://mine.example.com');
    expect(resolved.values.sessionHeaderSelector).toBe('.policy-header');
    expect(resolved.managed).toEqual(['sessionHeaderSelector']);
    expect(await fakeBrowser.storage.local.get('backendUrl')).toEqual({ backendUrl: 'https://mine.example.com' });
  });

  it('calls back when the options page or policy changes a setting, not for other keys', async () => {
    const onChange = vi.fn();
    const stop = watchSettings(onChange);
    await fakeBrowser.storage.local.set({ unrelated: 1 });
    await fakeBrowser.storage.managed.set({ backendUrl: 'https://policy.example.com' });
    await vi.waitFor(() => expect(onChange).toHaveBeenCalledTimes(1));
    expect(onChange.mock.calls[0]![0].values.backendUrl).toBe('https://policy.example.com');
    stop();
    await fakeBrowser.storage.local.set({ backendUrl: 'https://later.example.com' });
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(onChange).toHaveBeenCalledTimes(1);
  });
});

describe('loadSettings on a fresh install', () => {
  it('waits for a policy Chrome has not loaded yet instead of using the options page’s (or default) backend', async () => {
    // A fresh module: its policy reader has not settled yet, as in a newly started extension context.
    vi.resetModules();
    const { fakeBrowser: browser } = await import('wxt/testing/fake-browser');
    const fresh = await import('./settings.ts');
    await browser.storage.local.set({ backendUrl: 'https://mine.example.com' });
    await browser.storage.managed.set({ backendUrl: 'https://policy.example.com' });
    // Chrome answers `{}` twice before it has the policy.
    const get = vi
      .spyOn(browser.storage.managed, 'get')
      .mockResolvedValueOnce({} as never)
      .mockResolvedValueOnce({} as never);
    try {
      const resolved = await fresh.loadSettings();
      expect(resolved.values.backendUrl).toBe('https://policy.example.com');
      expect(resolved.managed).toEqual(['backendUrl']);
      expect(get.mock.calls.length).toBeGreaterThanOrEqual(3);
    } finally {
      get.mockRestore();
    }
  });
});

describe('managed_schema.json', () => {
  it('declares exactly the settings, with JSON types matching their values', () => {
    const schema = JSON.parse(readFileSync('extension/public/managed_schema.json', 'utf8')) as {
      properties: Record<string, { type: string }>;
    };
    expect(Object.keys(schema.properties).sort()).toEqual([...SETTING_KEYS].sort());
    for (const key of SETTING_KEYS) {
      expect(schema.properties[key]!.type).toBe(Array.isArray(DEFAULT_SETTINGS[key]) ? 'array' : 'string');
    }
  });
});

describe('build-time defaults', () => {
  it('take valid values from WXT_DEFAULT_SETTINGS and ignore invalid ones', () => {
    const defaults = withBuildDefaults(
      JSON.stringify({ backendUrl: 'https://meet-api.example.com/', sessionHeaderSelector: '', oauthClientId: 'demo.apps', unknown: 1 }),
    );
    expect(defaults).toEqual({ ...DEFAULT_SETTINGS, backendUrl: 'https://meet-api.example.com', oauthClientId: 'demo.apps' });
    expect(withBuildDefaults('not json')).toEqual(DEFAULT_SETTINGS);
  });
});
