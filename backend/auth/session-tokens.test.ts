import { SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { SESSION_TOKEN_TTL_SECONDS, createSessionTokens } from './session-tokens.ts';

const secret = 's'.repeat(40);
const solverId = '0b8f3a52-5a7c-4d7e-9a43-0d8b7d0f3e11';

describe('session tokens', () => {
  it('round-trips the solver id and expires after the TTL', async () => {
    let now = new Date('2026-11-23T10:00:00Z');
    const tokens = createSessionTokens(secret, () => now);
    const { token, expiresAt } = await tokens.issue(solverId);
    expect(expiresAt.toISOString()).toBe(new Date(now.getTime() + SESSION_TOKEN_TTL_SECONDS * 1000).toISOString());
    expect(await tokens.verify(token)).toBe(solverId);
    now = new Date(expiresAt.getTime() + 1000);
    expect(await tokens.verify(token)).toBeUndefined();
  });

  it('rejects tampered tokens, tokens of another secret and unsigned tokens', async () => {
    const tokens = createSessionTokens(secret);
    const { token } = await tokens.issue(solverId);
    const [header, payload, signature] = token.split('.');
    const forgedPayload = Buffer.from(
      JSON.stringify({ sub: 'someone-else', iss: 'savvysolve-meet', aud: 'savvysolve-meet-extension', exp: 9e9 }),
    ).toString('base64url');
    expect(await tokens.verify(`${header}.${forgedPayload}.${signature}`)).toBeUndefined();
    expect(await tokens.verify((await createSessionTokens('x'.repeat(40)).issue(solverId)).token)).toBeUndefined();
    const unsigned = await new SignJWT({ sub: solverId }).setProtectedHeader({ alg: 'HS512' }).sign(new TextEncoder().encode(secret));
    expect(await tokens.verify(unsigned)).toBeUndefined();
    expect(await tokens.verify('garbage')).toBeUndefined();
  });
});
