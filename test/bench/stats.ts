/** Order statistics for the benchmark figures. */

export type Summary = {
  n: number;
  min: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  mean: number;
};

/**
 * The q-quantile (0..1) of the samples, nearest-rank: the smallest sample with at least q·n samples at or below it.
 * With n = 200 the p99 is the 198th value, so two outliers still fit under it; a real tail does not.
 */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.max(1, Math.ceil(q * sorted.length));
  return sorted[Math.min(sorted.length, rank) - 1]!;
}

export function summarize(samples: readonly number[]): Summary {
  const sorted = [...samples].sort((a, b) => a - b);
  return {
    n: sorted.length,
    min: sorted[0] ?? Number.NaN,
    p50: quantile(sorted, 0.5),
    p90: quantile(sorted, 0.9),
    p99: quantile(sorted, 0.99),
    max: sorted.at(-1) ?? Number.NaN,
    mean: sorted.reduce((sum, value) => sum + value, 0) / (sorted.length || 1),
  };
}

/** Rounds every number of a summary for the JSON file (0.1 ms is below what this machine can resolve). */
export function rounded<T extends Record<string, number>>(summary: T, digits = 1): T {
  const factor = 10 ** digits;
  return Object.fromEntries(Object.entries(summary).map(([key, value]) => [key, Math.round(value * factor) / factor])) as T;
}

export const ms = (value: number, digits = 1) => (Number.isFinite(value) ? `${value.toFixed(digits)} ms` : '—');
