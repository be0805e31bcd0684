import { randomUUID } from 'node:crypto';
import { like } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SIGN_IN_PER_ADDRESS } from '../../backend/auth/sign-in-throttle.ts';
import { rateLimits } from '../../backend/db/schema.ts';
import { startStack, type Stack } from './stack.ts';

// Behind a load balancer on this host (TRUST_PROXY=loopback): the balancer's X-Forwarded-For entry is the client,
// so each client has its own sign-in budget and its own address in the request log.
describe('behind a trusted proxy', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack('pglite', { TRUST_PROXY: 'loopback' });
  });
  afterAll(async () => stack?.close());

  const signIn = (client: string) =>
    stack.api.call('POST', '/api/auth/session', {
      json: { googleAccessToken: `ya29.refused-${randomUUID()}` },
      // What a client could prepend itself, then what the balancer appended.
      headers: { 'x-forwarded-for': `198.51.100.66, ${client}` },
    });

  it('throttles sign-in per forwarded client address, not per balancer', async () => {
    const statuses: number[] = [];
    for (let attempt = 0; attempt <= SIGN_IN_PER_ADDRESS.limit; attempt++) statuses.push((await signIn('203.0.113.1')).status);
    expect(statuses).toEqual([...Array(SIGN_IN_PER_ADDRESS.limit).fill(401), 429]);
    expect((await signIn('203.0.113.2')).status).toBe(401);

    const rows = await stack.backend.database.db.select().from(rateLimits).where(like(rateLimits.key, 'sign-in:ip:%'));
    expect(Object.fromEntries(rows.map((row) => [row.key, row.count]))).toEqual({
      'sign-in:ip:203.0.113.1': SIGN_IN_PER_ADDRESS.limit + 1,
      'sign-in:ip:203.0.113.2': 1,
    });
    expect(stack.logs.filter((line) => line.includes('"path":"/api/auth/session"')).at(-1)).toContain('"clientAddress":"203.0.113.2"');
  });
});
