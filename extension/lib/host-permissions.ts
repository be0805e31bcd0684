import type { browser } from 'wxt/browser';
import { originMatchPatterns } from './session-url-pattern.ts';
import type { Settings } from './settings.ts';

type PermissionsApi = Pick<typeof browser.permissions, 'contains' | 'request'>;

/** The Chrome match pattern of a URL's origin, any port (`http://localhost:8787` → `http://localhost/*`). */
export function originPatternOf(url: string): string | undefined {
  try {
    const { protocol, hostname } = new URL(url);
    return protocol === 'http:' || protocol === 'https:' ? `${protocol}//${hostname}/*` : undefined;
  } catch {
    return undefined;
  }
}

/** The origins the settings need access to: the backend and the session pages. */
export function requiredOrigins(settings: Pick<Settings, 'backendUrl' | 'sessionUrlPatterns'>): string[] {
  const backend = originPatternOf(settings.backendUrl);
  return [...new Set([...(backend ? [backend] : []), ...originMatchPatterns(settings.sessionUrlPatterns)])];
}

/** Which of `origins` the extension may not access yet. */
export async function missingOrigins(permissions: PermissionsApi, origins: readonly string[]): Promise<string[]> {
  const checks = await Promise.all(origins.map(async (origin) => ((await permissions.contains({ origins: [origin] })) ? [] : [origin])));
  return checks.flat();
}

/**
 * Asks Chrome for access to `origins` (already granted ones pass without a prompt). Call it first thing in a click
 * handler: Chrome only shows the prompt during a user gesture.
 */
export function requestOrigins(permissions: PermissionsApi, origins: readonly string[]): Promise<boolean> {
  return origins.length === 0 ? Promise.resolve(true) : permissions.request({ origins: [...origins] });
}
