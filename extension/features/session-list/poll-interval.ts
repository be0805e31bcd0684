import { useEffect, useState } from 'react';
import { storage } from 'wxt/utils/storage';

/** How often the list refreshes while live updates are off. */
export const POLL_INTERVAL_MS = 5_000;

/**
 * Not a setting of the options page: a knob for tests and diagnosis. `chrome.storage.local.set({
 * sessionsPollIntervalMs: 0 })` turns polling off, so an end-to-end test shows live updates alone keep the list
 * current.
 */
export const pollIntervalItem = storage.defineItem<number>('local:sessionsPollIntervalMs', { fallback: POLL_INTERVAL_MS });

const valid = (value: unknown) => (typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : POLL_INTERVAL_MS);

/** The polling interval in ms (0: never), undefined until read from storage; follows changes. */
export function usePollInterval(): number | undefined {
  const [interval, setPollInterval] = useState<number>();
  useEffect(() => {
    let active = true;
    void pollIntervalItem.getValue().then((value) => active && setPollInterval(valid(value)));
    const unwatch = pollIntervalItem.watch((value) => setPollInterval(valid(value)));
    return () => {
      active = false;
      unwatch();
    };
  }, []);
  return interval;
}
