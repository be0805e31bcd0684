import { Ajv } from 'ajv';
import { createHash } from 'node:crypto';
import { build as buildPlist, type PlistValue } from 'plist';
import managedSchema from '../extension/public/managed_schema.json' with { type: 'json' };
import { ReleaseError } from './extension-key.ts';

/** The Chrome Web Store's update URL: `updateUrl` for a store-published extension. */
export const CHROME_WEB_STORE_UPDATE_URL = 'https://clients2.google.com/service/update2/crx';

/** The extension's managed settings, named and typed as `extension/public/managed_schema.json` declares them. */
export type ManagedSettings = Record<string, string | string[]>;

/** What an admin's policy says: install this extension from here, and configure it so. */
export type PolicyInput = {
  /** The 32-letter extension id. */
  extensionId: string;
  /** Where Chrome installs and updates it from: {@link CHROME_WEB_STORE_UPDATE_URL} or a self-hosted `updates.xml`. */
  updateUrl: string;
  /** Values for the managed settings (validated by {@link validateManagedSettings}). */
  settings: ManagedSettings;
};

/** The forms `npm run admin -- policy --format` writes. */
export const POLICY_FORMATS = ['json', 'admin-console', 'reg', 'mobileconfig'] as const;
export type PolicyFormat = (typeof POLICY_FORMATS)[number];

export const MANAGED_SCHEMA = managedSchema as { type: 'object'; properties: Record<string, { type: string; title: string; description: string }> };

const validateSchema = new Ajv({ allErrors: true, strict: false }).compile({ ...MANAGED_SCHEMA, additionalProperties: false });

/** The URL settings the extension ignores unless https (http only for loopback), as `extension/lib/settings.ts` does. */
const URL_SETTINGS = ['backendUrl', 'authorizationEndpoint'];

/**
 * Problems with `settings` as Chrome and the extension would see them: a key outside the managed schema or a value of
 * the wrong type (Chrome silently drops such values), or a URL the extension would ignore. Empty when all is well.
 */
export function validateManagedSettings(settings: Record<string, unknown>): string[] {
  const problems: string[] = [];
  if (!validateSchema(settings)) {
    for (const error of validateSchema.errors ?? []) {
      const where = error.instancePath.replace(/^\//, '').replace(/\//g, '.') || 'policy';
      const extra = (error.params as { additionalProperty?: string }).additionalProperty;
      problems.push(extra ? `${extra}: not a setting of the extension's managed schema` : `${where}: ${error.message}`);
    }
  }
  for (const key of URL_SETTINGS) {
    const value = settings[key];
    if (typeof value !== 'string') continue;
    try {
      const url = new URL(value);
      const loopback = ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname);
      if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback)) problems.push(`${key}: must be an https:// URL (http:// only for localhost)`);
    } catch {
      problems.push(`${key}: not a URL`);
    }
  }
  return problems;
}

/** The `ExtensionSettings` entry that force-installs the extension and pins it to the toolbar. */
export function extensionSettingsEntry(input: PolicyInput) {
  return { [input.extensionId]: { installation_mode: 'force_installed', update_url: input.updateUrl, toolbar_pin: 'force_pinned' } };
}

/** Linux (`/etc/opt/chrome/policies/managed/savvysolve-meet.json`, Chromium: `/etc/chromium/policies/managed/`). */
export function policyJson(input: PolicyInput): string {
  const policy = {
    ExtensionSettings: extensionSettingsEntry(input),
    '3rdparty': { extensions: { [input.extensionId]: input.settings } },
  };
  return `${JSON.stringify(policy, null, 2)}\n`;
}

/** Google Admin console, "Policy for extensions" of the app: each value wrapped as `{ "Value": … }`. */
export function policyAdminConsole(input: PolicyInput): string {
  const wrapped = Object.fromEntries(Object.entries(input.settings).map(([key, value]) => [key, { Value: value }]));
  return `${JSON.stringify(wrapped, null, 2)}\n`;
}

const regString = (value: string) => `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;

/**
 * Windows: a `.reg` file for `HKLM\SOFTWARE\Policies\Google\Chrome` (ExtensionSettings as its JSON string, the
 * settings under `3rdparty\extensions\<id>\policy`, a list as a subkey of values "1", "2", …), as Chrome reads them.
 */
export function policyReg(input: PolicyInput): string {
  const chrome = 'HKEY_LOCAL_MACHINE\\SOFTWARE\\Policies\\Google\\Chrome';
  const policyKey = `${chrome}\\3rdparty\\extensions\\${input.extensionId}\\policy`;
  const lines = ['Windows Registry Editor Version 5.00', '', `[${chrome}]`, `"ExtensionSettings"=${regString(JSON.stringify(extensionSettingsEntry(input)))}`, '', `[${policyKey}]`];
  const lists: [string, string[]][] = [];
  for (const [key, value] of Object.entries(input.settings)) {
    if (Array.isArray(value)) lists.push([key, value]);
    else lines.push(`"${key}"=${regString(value)}`);
  }
  for (const [key, values] of lists) {
    lines.push('', `[${policyKey}\\${key}]`, ...values.map((value, index) => `"${index + 1}"=${regString(value)}`));
  }
  // .reg files are read as Windows text.
  return `${lines.join('\r\n')}\r\n`;
}

/** A stable UUID for a payload, so regenerating a profile updates it in place rather than adding a second one. */
const payloadUuid = (name: string) => {
  const hex = createHash('sha256').update(name).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`.toUpperCase();
};

/**
 * macOS: a configuration profile (`.mobileconfig`, for MDM or System Settings) with two payloads: `com.google.Chrome`
 * (ExtensionSettings) and `com.google.Chrome.extensions.<id>` (the extension's settings).
 */
export function policyMobileconfig(input: PolicyInput): string {
  const prefix = 'com.savvysolve.meet.policy';
  const payload = (type: string, name: string, content: Record<string, unknown>) => ({
    PayloadType: type,
    PayloadIdentifier: `${prefix}.${name}`,
    PayloadUUID: payloadUuid(`${prefix}.${name}.${input.extensionId}`),
    PayloadVersion: 1,
    PayloadDisplayName: `SavvySolve Meet: ${name}`,
    ...content,
  });
  const profile = {
    PayloadType: 'Configuration',
    PayloadIdentifier: prefix,
    PayloadUUID: payloadUuid(`${prefix}.${input.extensionId}`),
    PayloadVersion: 1,
    PayloadDisplayName: 'SavvySolve Meet for Google Chrome',
    PayloadScope: 'System',
    PayloadContent: [
      payload('com.google.Chrome', 'install', { ExtensionSettings: extensionSettingsEntry(input) }),
      payload(`com.google.Chrome.extensions.${input.extensionId}`, 'settings', input.settings),
    ],
  };
  return buildPlist(profile as unknown as PlistValue);
}

const WRITERS: Record<PolicyFormat, (input: PolicyInput) => string> = {
  json: policyJson,
  'admin-console': policyAdminConsole,
  reg: policyReg,
  mobileconfig: policyMobileconfig,
};

/**
 * The policy in one form.
 * @throws ReleaseError when the id is not an extension id, the update URL is not https, or a setting is invalid
 *   (every problem listed).
 */
export function writePolicy(format: PolicyFormat, input: PolicyInput): string {
  const problems = validateManagedSettings(input.settings);
  if (!/^[a-p]{32}$/.test(input.extensionId)) problems.unshift(`extension id "${input.extensionId}": 32 letters a–p expected`);
  try {
    const url = new URL(input.updateUrl);
    if (url.protocol !== 'https:' && !['localhost', '127.0.0.1'].includes(url.hostname)) problems.unshift('update URL: must be https://');
  } catch {
    problems.unshift(`update URL "${input.updateUrl}": not a URL`);
  }
  if (problems.length > 0) throw new ReleaseError(`The policy would not work:\n  - ${problems.join('\n  - ')}`);
  return WRITERS[format](input);
}
