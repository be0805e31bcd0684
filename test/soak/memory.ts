import { readFileSync } from 'node:fs';
import type { World } from './world.ts';

export type MemorySample = { atSeconds: number; instance: string; generation: number; rssMiB: number };

/** Per instance: RSS before the load, its peak during, after the drain; the trend of each process's life. */
export type MemorySummary = {
  instance: string;
  beforeMiB: number;
  peakDuringMiB: number;
  afterMiB: number;
  /** Least-squares slope of RSS over the second half of each process lifetime of ≥ 2 minutes, MiB per minute. */
  slopesMiBPerMin: { generation: number; seconds: number; slope: number }[];
  verdict: string;
};

/** VmRSS of a process from /proc (Linux), in MiB; NaN when it is gone. */
export function rssMiB(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    return Number(/^VmRSS:\s+(\d+) kB/m.exec(status)?.[1] ?? Number.NaN) / 1024;
  } catch {
    return Number.NaN;
  }
}

/** Samples every backend process's RSS every `everyMs` until stopped. */
export function startMemoryMonitor(world: World, everyMs = 2_000) {
  const samples: MemorySample[] = [];
  const started = performance.now();
  const sample = () => {
    for (const instance of world.instances) {
      const pid = instance.alive ? instance.process?.child.pid : undefined;
      const rss = pid ? rssMiB(pid) : Number.NaN;
      if (Number.isFinite(rss))
        samples.push({
          atSeconds: (performance.now() - started) / 1000,
          instance: instance.name,
          generation: instance.generation,
          rssMiB: rss,
        });
    }
  };
  sample();
  const timer = setInterval(sample, everyMs);
  return {
    samples,
    /** Takes one sample now (e.g. right after the drain). */
    sample,
    /** Seconds since the monitor started: the time base of the samples. */
    now: () => (performance.now() - started) / 1000,
    stop: () => clearInterval(timer),
  };
}

/** Summarises the samples; "during" is from `loadStartSeconds` to `drainEndSeconds` (the monitor's time base). */
export function summarizeMemory(samples: MemorySample[], loadStartSeconds: number, drainEndSeconds: number): MemorySummary[] {
  const names = [...new Set(samples.map((sample) => sample.instance))];
  return names.map((instance) => {
    const mine = samples.filter((sample) => sample.instance === instance);
    const before = mine.filter((sample) => sample.atSeconds <= loadStartSeconds).at(-1) ?? mine[0]!;
    const during = mine.filter((sample) => sample.atSeconds > loadStartSeconds && sample.atSeconds < drainEndSeconds);
    const after = mine.at(-1)!;
    // The first minute of a process is warm-up (JIT, caches, pools): the trend is read from its second half only.
    const slopes = [...new Set(mine.map((sample) => sample.generation))]
      .map((generation) => {
        const life = mine.filter((sample) => sample.generation === generation);
        const seconds = (life.at(-1)?.atSeconds ?? 0) - (life[0]?.atSeconds ?? 0);
        const settled = life.slice(Math.floor(life.length / 2));
        return { generation, seconds: Math.round(seconds), slope: seconds >= MIN_LIFE_SECONDS ? slope(settled) * 60 : Number.NaN };
      })
      .filter((entry) => Number.isFinite(entry.slope));
    const last = slopes.at(-1);
    const growing = last !== undefined && last.slope > 2 && after.rssMiB > before.rssMiB * 1.2;
    return {
      instance,
      beforeMiB: round(before.rssMiB),
      peakDuringMiB: round(Math.max(...during.map((sample) => sample.rssMiB), before.rssMiB)),
      afterMiB: round(after.rssMiB),
      slopesMiBPerMin: slopes.map((entry) => ({ ...entry, slope: round(entry.slope) })),
      verdict: growing
        ? `keeps growing: +${round(last.slope)} MiB/min over the last process's ${last.seconds} s`
        : last
          ? `no steady growth (last process: ${round(last.slope)} MiB/min over ${last.seconds} s)`
          : `too short to tell (no process lived ${MIN_LIFE_SECONDS} s)`,
    };
  });
}

const MIN_LIFE_SECONDS = 120;
const round = (value: number) => Math.round(value * 10) / 10;

/** Least-squares slope of RSS against time, MiB per second. */
function slope(samples: MemorySample[]): number {
  const n = samples.length;
  const meanX = samples.reduce((sum, s) => sum + s.atSeconds, 0) / n;
  const meanY = samples.reduce((sum, s) => sum + s.rssMiB, 0) / n;
  const num = samples.reduce((sum, s) => sum + (s.atSeconds - meanX) * (s.rssMiB - meanY), 0);
  const den = samples.reduce((sum, s) => sum + (s.atSeconds - meanX) ** 2, 0);
  return den === 0 ? 0 : num / den;
}
