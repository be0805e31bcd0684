import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { readSigningKey, ReleaseError } from './extension-key.ts';
import { CHROME_WEB_STORE_UPDATE_URL, MANAGED_SCHEMA, POLICY_FORMATS, writePolicy, type ManagedSettings, type PolicyFormat } from './chrome-policy.ts';

const kebab = (key: string) => key.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`);
const SETTINGS = Object.entries(MANAGED_SCHEMA.properties).map(([key, property]) => ({ key, flag: kebab(key), ...property }));

export const POLICY_USAGE = `Usage: npm run admin -- policy [--format ${POLICY_FORMATS.join('|')}] [--out <file>]
         (--extension-id <id> | --signing-key <pem>) [--update-url <url of updates.xml>]
         [settings…]

Writes the Chrome policy that force-installs SavvySolve Meet and configures it, checked against the extension's
managed schema (Chrome silently drops values that do not match it):
  json           Linux: /etc/opt/chrome/policies/managed/savvysolve-meet.json (Chromium: /etc/chromium/policies/managed/)
  admin-console  Google Admin console: the app's "Policy for extensions" (force-install it there by id)
  reg            Windows: a .reg file for HKLM\\SOFTWARE\\Policies\\Google\\Chrome
  mobileconfig   macOS: a configuration profile for your MDM

The id: --extension-id, or derived from the signing key (--signing-key or EXTENSION_SIGNING_KEY_FILE).
The source: --update-url of a self-hosted updates.xml (npm run package:selfhost prints it); the Chrome Web Store
by default.

Settings (a list setting takes the flag once per value):
${SETTINGS.map((setting) => `  --${setting.flag} <${setting.type === 'array' ? 'value, repeatable' : 'value'}>\n      ${setting.description}`).join('\n')}`;

/**
 * `npm run admin -- policy …`: parses the flags, writes the policy to `--out` or returns it.
 * @returns what to print (the policy itself, or where it was written).
 * @throws ReleaseError for bad flags or settings, every problem listed.
 */
export function runPolicyCommand(args: string[], env: NodeJS.ProcessEnv = process.env): string {
  const { values } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      format: { type: 'string', default: 'json' },
      out: { type: 'string' },
      'extension-id': { type: 'string' },
      'signing-key': { type: 'string' },
      'update-url': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
      ...Object.fromEntries(SETTINGS.map((setting) => [setting.flag, { type: 'string' as const, multiple: setting.type === 'array' }])),
    },
  });
  if (values.help) return POLICY_USAGE;
  const format = values.format as string;
  if (!(POLICY_FORMATS as readonly string[]).includes(format))
    throw new ReleaseError(`--format must be one of ${POLICY_FORMATS.join(', ')} (got "${format}")`);
  const signingKey = (values['signing-key'] as string | undefined) ?? env.EXTENSION_SIGNING_KEY_FILE;
  const extensionId = (values['extension-id'] as string | undefined) ?? (signingKey ? readSigningKey(signingKey).id : undefined);
  if (!extensionId) throw new ReleaseError('Give the extension id: --extension-id <id>, or --signing-key <pem> to derive it');
  const settings: ManagedSettings = {};
  for (const setting of SETTINGS) {
    const value = (values as Record<string, unknown>)[setting.flag] as string | string[] | undefined;
    if (value !== undefined) settings[setting.key] = value;
  }
  const policy = writePolicy(format as PolicyFormat, {
    extensionId,
    updateUrl: (values['update-url'] as string | undefined) ?? CHROME_WEB_STORE_UPDATE_URL,
    settings,
  });
  if (!values.out) return policy.trimEnd();
  writeFileSync(values.out as string, policy);
  return `Wrote ${values.out} (${format}, extension ${extensionId})`;
}
