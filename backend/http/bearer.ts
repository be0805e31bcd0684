import { timingSafeEqual } from 'node:crypto';

/** Whether an `Authorization` header carries `Bearer <expected>`, compared in constant time. */
export function bearerMatches(authorization: string | undefined, expected: string): boolean {
  const given = /^Bearer (.+)$/i.exec(authorization ?? '')?.[1];
  if (!given) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}
