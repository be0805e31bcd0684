import { browser } from 'wxt/browser';
import { storage } from 'wxt/utils/storage';
import { z } from 'zod';
import { createManagedPolicy } from './managed-policy.ts';
import { sessionUrlPatternProblem } from './session-url-pattern.ts';

/**
 * The extension's settings. Each is entered on the options page (storage.local) and may be set by Chrome policy
 * (storage.managed, declared in public/managed_schema.json under the same names); a valid policy value wins.
 */
export type Settings = {
  /** The SavvySolve Meet backend, e.g. `https://meet-api.example.com`. */
  backendUrl: string;
  /** Where session pages live; see `session-url-pattern.ts` for the syntax. */
  sessionUrlPatterns: string[];
  /** CSS selector of the session header the Meet button is added to. */
  sessionHeaderSelector: string;
  /** OAuth client id for `launchWebAuthFlow` (a "Web application" client; redirect URI https://<id>.chromiumapp.org/). */
  oauthClientId: string;
  /** OAuth 2.0 authorization endpoint for `launchWebAuthFlow`. */
  authorizationEndpoint: string;
  /** Optional Google Workspace domain: passed to Google as `hd` so the right account is picked. */
  workspaceDomain: string;
};

export type SettingKey = keyof Settings;

export const GOOGLE_AUTHORIZATION_ENDPOINT = 'https://accounts.google.com/o/oauth2/v2/auth';

const isLoopback = (hostname: string) => hostname === 'localhost' || hostname === '127.0.0.1' || hostname === '[::1]';

const webUrl = (what: string) =>
  z
    .string()
    .trim()
    .refine((value) => {
      try {
        const url = new URL(value);
        return url.protocol === 'https:' || (url.protocol === 'http:' && isLoopback(url.hostname));
      } catch {
        return false;
      }
    }, `${what} must be an https:// URL (http:// only for localhost)`)
    .transform((value) => value.replace(/\/+$/, ''));

/** How each setting is validated, on the options page and for policy values alike. */
export const SETTING_SCHEMAS: { [K in SettingKey]: z.ZodType<Settings[K], unknown> } = {
  backendUrl: webUrl('The backend URL'),
  sessionUrlPatterns: z
    .array(z.string().trim().min(1))
    .min(1, 'Give at least one session page URL pattern')
    .superRefine((patterns, ctx) => {
      for (const pattern of patterns) {
        const problem = sessionUrlPatternProblem(pattern);
        if (problem) ctx.addIssue({ code: 'custom', message: problem });
      }
    }),
  sessionHeaderSelector: z.string().trim().min(1, 'The session header selector is required'),
  oauthClientId: z.string().trim(),
  authorizationEndpoint: webUrl('The authorization endpoint'),
  workspaceDomain: z
    .string()
    .trim()
    .toLowerCase()
    .regex(/^$|^[a-z0-9-]+(\.[a-z0-9-]+)+$/, 'The Workspace domain must look like example.com'),
};

const BUILT_IN_DEFAULTS: Readonly<Settings> = Object.freeze({
  backendUrl: 'http://localhost:8787',
  sessionUrlPatterns: ['https://app.savvysolve.com/sessions/:sessionId'],
  sessionHeaderSelector: '[data-savvysolve-session-header]',
  oauthClientId: '',
  authorizationEndpoint: GOOGLE_AUTHORIZATION_ENDPOINT,
  workspaceDomain: '',
});

export const SETTING_KEYS = Object.keys(BUILT_IN_DEFAULTS) as SettingKey[];

/**
 * Defaults baked in at build time (`WXT_DEFAULT_SETTINGS='{"backendUrl":"…"}' npm run build`): how an
 * organization ships a build that needs no configuration, and how `npm run demo` points at its local stack.
 * Invalid values are ignored, as policy values are.
 */
export function withBuildDefaults(json: string | undefined): Readonly<Settings> {
  let overrides: Record<string, unknown> = {};
  try {
    overrides = json ? (JSON.parse(json) as Record<string, unknown>) : {};
  } catch {
    overrides = {};
  }
  const values: Record<SettingKey, unknown> = { ...BUILT_IN_DEFAULTS };
  for (const key of SETTING_KEYS) {
    const parsed = overrides[key] === undefined ? undefined : SETTING_SCHEMAS[key].safeParse(overrides[key]);
    if (parsed?.success) values[key] = parsed.data;
  }
  return Object.freeze(values as Settings);
}

export const DEFAULT_SETTINGS = withBuildDefaults(import.meta.env.WXT_DEFAULT_SETTINGS as string | undefined);

/** Every setting declared once, in storage.local under its own name. */
export const settingItems = {
  backendUrl: storage.defineItem<string>('local:backendUrl', { fallback: DEFAULT_SETTINGS.backendUrl }),
  sessionUrlPatterns: storage.defineItem<string[]>('local:sessionUrlPatterns', { fallback: [...DEFAULT_SETTINGS.sessionUrlPatterns] }),
  sessionHeaderSelector: storage.defineItem<string>('local:sessionHeaderSelector', { fallback: DEFAULT_SETTINGS.sessionHeaderSelector }),
  oauthClientId: storage.defineItem<string>('local:oauthClientId', { fallback: DEFAULT_SETTINGS.oauthClientId }),
  authorizationEndpoint: storage.defineItem<string>('local:authorizationEndpoint', { fallback: DEFAULT_SETTINGS.authorizationEndpoint }),
  workspaceDomain: storage.defineItem<string>('local:workspaceDomain', { fallback: DEFAULT_SETTINGS.workspaceDomain }),
} satisfies { [K in SettingKey]: unknown };

export type ResolvedSettings = {
  values: Settings;
  /** Keys whose value comes from Chrome policy ("managed by your organization"). */
  managed: SettingKey[];
  /** Policy values that were ignored because they are invalid, with the reason. */
  managedProblems: Partial<Record<SettingKey, string>>;
};

const firstIssue = (error: z.ZodError) => error.issues[0]?.message ?? 'invalid value';

/** Defaults ← options page ← policy. Pure: tests call it with plain objects. */
export function mergeSettings(local: Partial<Record<SettingKey, unknown>>, managed: Record<string, unknown>): ResolvedSettings {
  const values = { ...DEFAULT_SETTINGS } as Record<SettingKey, unknown>;
  const managedKeys: SettingKey[] = [];
  const managedProblems: Partial<Record<SettingKey, string>> = {};
  for (const key of SETTING_KEYS) {
    const schema = SETTING_SCHEMAS[key];
    if (local[key] !== undefined) {
      const parsed = schema.safeParse(local[key]);
      if (parsed.success) values[key] = parsed.data;
    }
    if (managed[key] !== undefined) {
      const parsed = schema.safeParse(managed[key]);
      if (parsed.success) {
        values[key] = parsed.data;
        managedKeys.push(key);
      } else {
        managedProblems[key] = firstIssue(parsed.error);
      }
    }
  }
  return { values: values as Settings, managed: managedKeys, managedProblems };
}

/**
 * Chrome policy, one reader per extension context. A fresh install waits for it before any setting is read, so
 * nothing calls the default (or the options page's) backend while an organization's policy is on its way; pages
 * show that wait with `watchState` (`lib/ui/waiting-for-policy.tsx`).
 */
export const managedPolicy = createManagedPolicy({ keys: SETTING_KEYS });

async function readLocal(): Promise<Partial<Record<SettingKey, unknown>>> {
  const entries = await Promise.all(SETTING_KEYS.map(async (key) => [key, await settingItems[key].getValue()] as const));
  return Object.fromEntries(entries);
}

/** The settings in force; on a fresh install, only once Chrome policy is known (see `managed-policy.ts`). */
export async function loadSettings(): Promise<ResolvedSettings> {
  const [local, managed] = await Promise.all([readLocal(), managedPolicy.read()]);
  return mergeSettings(local, managed);
}

export type SettingsValidation = { ok: true; values: Partial<Settings> } | { ok: false; problems: Partial<Record<SettingKey, string>> };

/** Validates what the options page wants to save; policy-managed keys are refused. */
export function validateSettings(input: Partial<Record<SettingKey, unknown>>, managed: readonly SettingKey[] = []): SettingsValidation {
  const values: Partial<Record<SettingKey, unknown>> = {};
  const problems: Partial<Record<SettingKey, string>> = {};
  for (const key of SETTING_KEYS) {
    if (input[key] === undefined) continue;
    if (managed.includes(key)) {
      problems[key] = 'This setting is managed by your organization.';
      continue;
    }
    const parsed = SETTING_SCHEMAS[key].safeParse(input[key]);
    if (parsed.success) values[key] = parsed.data;
    else problems[key] = firstIssue(parsed.error);
  }
  return Object.keys(problems).length > 0 ? { ok: false, problems } : { ok: true, values: values as Partial<Settings> };
}

/** Saves options-page values (validate first with {@link validateSettings}). */
export async function saveSettings(values: Partial<Settings>): Promise<void> {
  await Promise.all(
    SETTING_KEYS.filter((key) => values[key] !== undefined).map((key) =>
      (settingItems[key] as { setValue(value: unknown): Promise<void> }).setValue(values[key]),
    ),
  );
}

/** Calls back with the new settings whenever the options page or policy changes one. */
export function watchSettings(onChange: (settings: ResolvedSettings) => void): () => void {
  const listener = (changes: Record<string, unknown>, area: string) => {
    if (area !== 'local' && area !== 'managed') return;
    if (!SETTING_KEYS.some((key) => key in changes)) return;
    void loadSettings().then(onChange);
  };
  browser.storage.onChanged.addListener(listener);
  return () => browser.storage.onChanged.removeListener(listener);
}
