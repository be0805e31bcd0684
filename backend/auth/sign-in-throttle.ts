import { createHash } from 'node:crypto';
import { isIP } from 'node:net';
import type { RateLimit, RateLimiter } from '../rate-limit/rate-limiter.ts';

// A solver signs in once per session-token lifetime, so 30 a minute from one address still fits an office behind
// one NAT; the global cap keeps an attack from many addresses from spending Google's tokeninfo quota (and ours).
/** Sign-in attempts per client address (an IPv6 client counts by its /64). */
export const SIGN_IN_PER_ADDRESS: RateLimit = { limit: 30, windowSeconds: 60 };
/** Sign-in attempts that reach Google, all addresses together, on all instances. */
export const SIGN_IN_GLOBAL: RateLimit = { limit: 300, windowSeconds: 60 };

/** How long a token Google refused is answered from memory; long enough to absorb a retry loop. */
export const REFUSAL_TTL_MS = 60_000;
/** Refusals remembered at most (each about 150 bytes); the oldest are forgotten first. */
export const REFUSAL_CAPACITY = 10_000;

export type SignInThrottle = {
  /** Counts one attempt from `clientAddress`; throws ApiError 429 (with Retry-After) over SIGN_IN_PER_ADDRESS. */
  admitAddress(clientAddress: string): Promise<void>;
  /** Counts one attempt about to ask Google; throws ApiError 429 (with Retry-After) over SIGN_IN_GLOBAL. */
  admitUpstream(): Promise<void>;
  /** The refusal message remembered for this Google access token, if Google refused it in the last REFUSAL_TTL_MS. */
  refusal(googleAccessToken: string): string | undefined;
  /** Remembers that this token was refused with `message` (keyed by its SHA-256, never the token). */
  rememberRefusal(googleAccessToken: string, message: string): void;
};

export type SignInThrottleOptions = {
  ttlMs?: number;
  capacity?: number;
  /** Milliseconds since the epoch; injectable for tests. */
  now?: () => number;
};

/** Sign-in throttling: Postgres-backed per-address and global windows, and a bounded in-memory refusal cache. */
export function createSignInThrottle(limiter: RateLimiter, options: SignInThrottleOptions = {}): SignInThrottle {
  const { ttlMs = REFUSAL_TTL_MS, capacity = REFUSAL_CAPACITY, now = Date.now } = options;
  // Map keeps insertion order: the first key is the oldest refusal.
  const refusals = new Map<string, { message: string; expiresAt: number }>();
  const keyOf = (token: string) => createHash('sha256').update(token).digest('base64url');

  return {
    admitAddress: (clientAddress) =>
      limiter.hit(`sign-in:ip:${addressKey(clientAddress)}`, SIGN_IN_PER_ADDRESS, 'sign-in attempts from your network address'),
    admitUpstream: () => limiter.hit('sign-in:all', SIGN_IN_GLOBAL, 'sign-in attempts on this server'),
    refusal(googleAccessToken) {
      const key = keyOf(googleAccessToken);
      const entry = refusals.get(key);
      if (!entry) return undefined;
      if (entry.expiresAt > now()) return entry.message;
      refusals.delete(key);
      return undefined;
    },
    rememberRefusal(googleAccessToken, message) {
      const key = keyOf(googleAccessToken);
      refusals.delete(key);
      while (refusals.size >= capacity) refusals.delete(refusals.keys().next().value!);
      refusals.set(key, { message, expiresAt: now() + ttlMs });
    },
  };
}

/**
 * The rate-limit key for a socket address: IPv4 as is (also when IPv4-mapped, `::ffff:1.2.3.4`), IPv6 as its /64
 * (one subscriber usually holds a whole /64), anything else (no socket) as `unknown`.
 */
export function addressKey(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1];
  if (mapped) return mapped;
  const kind = isIP(address);
  if (kind === 4) return address;
  if (kind !== 6) return 'unknown';
  const [head = '', tail = ''] = address.split('%')[0]!.toLowerCase().split('::');
  const headGroups = head ? head.split(':') : [];
  const tailGroups = address.includes('::') && tail ? tail.split(':') : [];
  const groups = address.includes('::')
    ? [...headGroups, ...Array<string>(8 - headGroups.length - tailGroups.length).fill('0'), ...tailGroups]
    : headGroups;
  return `${groups
    .slice(0, 4)
    .map((group) => group.replace(/^0+(?=.)/, ''))
    .join(':')}::/64`;
}
