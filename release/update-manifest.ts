/**
 * The version an existing gupdate update manifest (`updates.xml`) offers, or `undefined` when it offers none.
 * Format: https://developer.chrome.com/docs/extensions/how-to/distribute/host-on-linux#update_manifest
 */
export function offeredVersion(updatesXml: string): string | undefined {
  return /<updatecheck\b[^>]*\bversion="([0-9.]+)"/.exec(updatesXml)?.[1];
}

/**
 * Compares two Chrome extension versions (one to four dot-separated integers, missing parts are 0).
 * @returns a negative number, 0 or a positive number, as `a` is lower than, equal to or higher than `b`.
 */
export function compareVersions(a: string, b: string): number {
  const parts = (version: string) => version.split('.').map(Number);
  const [left, right] = [parts(a), parts(b)];
  for (let i = 0; i < Math.max(left.length, right.length); i++) {
    const difference = (left[i] ?? 0) - (right[i] ?? 0);
    if (difference !== 0) return difference;
  }
  return 0;
}
