import type { Random } from './random.ts';

/** What the load will do with one session, decided up front from the seed. */
export type SessionPlan = {
  index: number;
  id: string;
  solver: number;
  /** E.164, unique per session: the SMS it gets are counted by it. */
  phone: string;
  /** Sent as `(415) 500-0001` instead of E.164 (DEFAULT_PHONE_REGION=US). */
  nationalPhone: boolean;
  /** Not sent by webhook: the first click pulls it from the host (`GET /sessions/:id`). */
  pulled: boolean;
  /** `session.upserted` delivered twice with the same webhook-id, to both instances at once. */
  duplicateWebhook: boolean;
  /** A newer `session.upserted` first, then an older one (occurredAt a minute earlier), which must not win. */
  outOfOrder: boolean;
  clicks: 'single' | 'double' | 'both-instances';
  /** After a fallback: click again before capturing (else capture at once). */
  retryAfterFallback: boolean;
  resends: number;
  end: boolean;
  /** When the session's scenario starts, from the start of the load. */
  startAtMs: number;
};

export type PlanOptions = { sessions: number; solvers: number; seconds: number; endShare: number };

/** The sessions of a run, spread evenly over its seconds, from ~`solvers` solvers. */
export function planSessions(random: Random, options: PlanOptions): SessionPlan[] {
  const spacing = (options.seconds * 1000) / options.sessions;
  return Array.from({ length: options.sessions }, (_, index) => {
    const clickRoll = random.next();
    return {
      index,
      id: uuidFrom(random),
      solver: random.int(0, options.solvers - 1),
      phone: `+1415${String(5_000_000 + index).padStart(7, '0')}`,
      nationalPhone: random.chance(0.3),
      pulled: random.chance(0.05),
      duplicateWebhook: random.chance(0.15),
      outOfOrder: random.chance(0.15),
      clicks: clickRoll < 0.5 ? 'single' : clickRoll < 0.75 ? 'double' : 'both-instances',
      retryAfterFallback: random.chance(0.4),
      resends: random.chance(0.25) ? random.int(1, 2) : 0,
      end: random.chance(options.endShare),
      startAtMs: Math.round(index * spacing + random.next() * spacing * 0.5),
    };
  });
}

/** `(415) 500-0001` for `+14155000001`. */
export const nationalFormat = (e164: string) => `(${e164.slice(2, 5)}) ${e164.slice(5, 8)}-${e164.slice(8)}`;

/** A version-4 UUID from the seeded source, so a run's session ids replay with its seed. */
function uuidFrom(random: Random): string {
  const hex = Array.from({ length: 32 }, () => random.int(0, 15).toString(16));
  hex[12] = '4';
  hex[16] = ((random.int(0, 15) & 0x3) | 0x8).toString(16);
  const s = hex.join('');
  return `${s.slice(0, 8)}-${s.slice(8, 12)}-${s.slice(12, 16)}-${s.slice(16, 20)}-${s.slice(20)}`;
}
