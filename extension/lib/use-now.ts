import { useEffect, useReducer } from 'react';

/** How often relative times ("6 min", "2 min ago") are redrawn: often enough for minutes, without refetching. */
export const NOW_TICK_MS = 30_000;

/**
 * The current time (ms), with a redraw every `tickMs`. Read at each render rather than kept from the last tick, so
 * fresh data (a join just fetched) is never measured against a clock up to 30 s old.
 */
export function useNow(tickMs = NOW_TICK_MS): number {
  const [, tick] = useReducer((count: number) => count + 1, 0);
  useEffect(() => {
    const timer = setInterval(tick, tickMs);
    return () => clearInterval(timer);
  }, [tickMs]);
  return Date.now();
}
