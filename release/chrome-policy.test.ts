import { Ajv } from 'ajv';
import { parse as parsePlist } from 'plist';
import { describe, expect, it } from 'vitest';
import { CHROME_WEB_STORE_UPDATE_URL, MANAGED_SCHEMA, POLICY_FORMATS, validateManagedSettings, writePolicy, type PolicyInput } from './chrome-policy.ts';
import { runPolicyCommand } from './policy-command.ts';

const ID = 'nnidkclgcoenlalbflknijieocjmigjl';
const INPUT: PolicyInput = {
  extensionId: ID,
  updateUrl: 'https://tools.example.com/meet/updates.xml',
  settings: {
    backendUrl: 'https://meet-api.example.com',
    sessionUrlPatterns: ['https://app.savvysolve.com/sessions/:sessionId', 'https://eu.savvysolve.com/s/:sessionId'],
    sessionHeaderSelector: '[data-savvysolve-session-header="a \\"b\\""]',
    oauthClientId: '1234-abc.apps.googleusercontent.com',
    workspaceDomain: 'example.com',
  },
};

/** The managed schema exactly as Chrome applies it: unknown keys and wrong types are what it would drop. */
const schemaCheck = new Ajv({ strict: false }).compile({ ...MANAGED_SCHEMA, additionalProperties: false });

/** Reads a .reg file back as Chrome's registry policy loader would: keys, string values, lists as numbered values. */
function readReg(text: string) {
  expect(text.startsWith('Windows Registry Editor Version 5.00\r\n')).toBe(true);
  const keys = new Map<string, Record<string, string>>();
  let current: Record<string, string> = {};
  for (const line of text.split('\r\n')) {
    const key = /^\[(.+)\]$/.exec(line);
    if (key) keys.set(key[1]!, (current = {}));
    const value = /^"([^"]+)"="((?:[^"\\]|\\.)*)"$/.exec(line);
    if (value) current[value[1]!] = value[2]!.replace(/\\(.)/g, '$1');
  }
  return keys;
}

describe('the policy generator', () => {
  it('json: ExtensionSettings force-installs from the update URL, 3rdparty holds settings valid for the schema', () => {
    const policy = JSON.parse(writePolicy('json', INPUT));
    expect(policy.ExtensionSettings[ID]).toEqual({ installation_mode: 'force_installed', update_url: INPUT.updateUrl, toolbar_pin: 'force_pinned' });
    const settings = policy['3rdparty'].extensions[ID];
    expect(schemaCheck(settings)).toBe(true);
    expect(settings).toEqual(INPUT.settings);
  });

  it('admin-console: each value wrapped in {"Value": …}, unwrapped valid for the schema', () => {
    const policy = JSON.parse(writePolicy('admin-console', INPUT)) as Record<string, { Value: unknown }>;
    const unwrapped = Object.fromEntries(Object.entries(policy).map(([key, value]) => [key, value.Value]));
    expect(schemaCheck(unwrapped)).toBe(true);
    expect(unwrapped).toEqual(INPUT.settings);
  });

  it('reg: ExtensionSettings as JSON under Chrome, settings under 3rdparty\\extensions\\<id>\\policy, a list as numbered values', () => {
    const keys = readReg(writePolicy('reg', INPUT));
    const chrome = 'HKEY_LOCAL_MACHINE\\SOFTWARE\\Policies\\Google\\Chrome';
    expect(JSON.parse(keys.get(chrome)!.ExtensionSettings!)[ID].update_url).toBe(INPUT.updateUrl);
    const policyKey = `${chrome}\\3rdparty\\extensions\\${ID}\\policy`;
    const list = keys.get(`${policyKey}\\sessionUrlPatterns`)!;
    const settings = { ...keys.get(policyKey), sessionUrlPatterns: Object.keys(list).sort().map((index) => list[index]) };
    expect(schemaCheck(settings)).toBe(true);
    expect(settings).toEqual(INPUT.settings);
  });

  it('mobileconfig: a profile with the com.google.Chrome and com.google.Chrome.extensions.<id> payloads', () => {
    const text = writePolicy('mobileconfig', INPUT);
    const profile = parsePlist(text) as { PayloadType: string; PayloadContent: Record<string, unknown>[] };
    expect(profile.PayloadType).toBe('Configuration');
    const [install, extension] = profile.PayloadContent;
    expect(install!.PayloadType).toBe('com.google.Chrome');
    expect((install!.ExtensionSettings as Record<string, { update_url: string }>)[ID]!.update_url).toBe(INPUT.updateUrl);
    expect(extension!.PayloadType).toBe(`com.google.Chrome.extensions.${ID}`);
    const settings = Object.fromEntries(Object.entries(extension!).filter(([key]) => !key.startsWith('Payload')));
    expect(schemaCheck(settings)).toBe(true);
    expect(settings).toEqual(INPUT.settings);
    // Regenerating updates the same profile: the UUIDs are stable.
    expect(writePolicy('mobileconfig', INPUT)).toBe(text);
  });

  it.each(POLICY_FORMATS)('%s: refuses what Chrome or the extension would drop, listing every problem', (format) => {
    const bad = { ...INPUT, settings: { backendUrl: 'http://meet-api.example.com', sessionUrlPatterns: 'not-a-list', colour: 'red' } } as unknown as PolicyInput;
    expect(() => writePolicy(format, bad)).toThrow(/colour: not a setting[\s\S]*sessionUrlPatterns: must be array[\s\S]*backendUrl: must be an https/);
    expect(() => writePolicy(format, { ...INPUT, extensionId: 'abc' })).toThrow(/32 letters/);
  });

  it('validates a plain settings object the way the schema does', () => {
    expect(validateManagedSettings(INPUT.settings)).toEqual([]);
    expect(validateManagedSettings({ workspaceDomain: 5 })).toEqual(['workspaceDomain: must be string']);
  });
});

describe('npm run admin -- policy', () => {
  it('maps one flag per schema setting (a list flag repeated) and defaults to the Chrome Web Store', () => {
    const out = runPolicyCommand(['--extension-id', ID, '--backend-url', 'https://meet-api.example.com', '--session-url-patterns', 'https://a.example.com/s/:sessionId', '--session-url-patterns', 'https://b.example.com/s/:sessionId'], {});
    const policy = JSON.parse(out);
    expect(policy.ExtensionSettings[ID].update_url).toBe(CHROME_WEB_STORE_UPDATE_URL);
    expect(policy['3rdparty'].extensions[ID]).toEqual({
      backendUrl: 'https://meet-api.example.com',
      sessionUrlPatterns: ['https://a.example.com/s/:sessionId', 'https://b.example.com/s/:sessionId'],
    });
  });

  it('says what is missing or wrong', () => {
    expect(() => runPolicyCommand([], {})).toThrow(/Give the extension id/);
    expect(() => runPolicyCommand(['--extension-id', ID, '--format', 'yaml'], {})).toThrow(/--format must be one of/);
    expect(runPolicyCommand(['--help'], {})).toContain('--session-header-selector');
  });
});
