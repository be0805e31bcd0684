import { SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { SESSION_TOKEN_TTL_SECONDS, createSessionTokens } from './session-tokens.ts';

const secret = 's'.repeat(40);
const solverId = '0b8f3a52-5a7c-4d7e-9a43-0d8b7d0f3e11';
const subject = { solverId, tokenVersion: 3 };

describe('session tokens', () => {
  it('rotates without sign-outs: the first secret signs, every listed one verifies', async () => {
    const [oldSecret, newSecret] = ['o'.repeat(40), 'n'.repeat(40)];
    const before = await createSessionTokens([oldSecret]).issue(subject);
    const during = createSessionTokens([newSecret, oldSecret]);
    expect(await during.verify(before.token)).toEqual(subject);
    const issuedDuring = await during.issue(subject);
    expect(await createSessionTokens([newSecret]).verify(issuedDuring.token)).toEqual(subject);
    expect(await createSessionTokens([oldSecret]).verify(issuedDuring.token)).toBeUndefined();
    // The old secret dropped once its tokens expired: a token it signed is refused.
    expect(await createSessionTokens([newSecret]).verify(before.token)).toBeUndefined();
  });

  it('round-trips the solver id and expires after the TTL', async () => {
    let now = new Date('2026-11-23T10:00:00Z');
    const tokens = createSessionTokens(secret, () => now);
    const { token, expiresAt } = await tokens.issue(subject);
    expect(expiresAt.toISOString()).toBe(new Date(now.getTime() + SESSION_TOKEN_TTL_SECONDS * 1000).toISOString());
    expect(await tokens.verify(token)).toEqual(subject);
    now = new Date(expiresAt.getTime() + 1000);
    expect(await tokens.verify(token)).toBeUndefined();
  });

  it('rejects tampered tokens, tokens of another secret and unsigned tokens', async () => {
    const tokens = createSessionTokens(secret);
    const { token } = await tokens.issue(subject);
    const [header, payload, signature] = token.split('.');
    const forgedPayload = Buffer.from(
      JSON.stringify({ sub: 'someone-else', iss: 'savvysolve-meet', aud: 'savvysolve-meet-extension', exp: 9e9 }),
    ).toString('base64url');
    expect(await tokens.verify(`${header}.${forgedPayload}.${signature}`)).toBeUndefined();
    expect(await tokens.verify((await createSessionTokens('x'.repeat(40)).issue(subject)).token)).toBeUndefined();
    const unsigned = await new SignJWT({ sub: solverId }).setProtectedHeader({ alg: 'HS512' }).sign(new TextEncoder().encode(secret));
    expect(await tokens.verify(unsigned)).toBeUndefined();
    expect(await tokens.verify('garbage')).toBeUndefined();
  });

  it.each([
    ['exp', (jwt: SignJWT) => jwt.setIssuedAt().setSubject(solverId)],
    ['iat', (jwt: SignJWT) => jwt.setExpirationTime('1h').setSubject(solverId)],
    ['sub', (jwt: SignJWT) => jwt.setIssuedAt().setExpirationTime('1h')],
  ])('rejects a correctly signed token without %s', async (_claim, build) => {
    const key = new TextEncoder().encode(secret);
    const jwt = build(
      new SignJWT({ ver: 0 }).setProtectedHeader({ alg: 'HS256' }).setIssuer('savvysolve-meet').setAudience('savvysolve-meet-extension'),
    );
    expect(await createSessionTokens(secret).verify(await jwt.sign(key))).toBeUndefined();
    const complete = new SignJWT({ ver: 0 })
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer('savvysolve-meet')
      .setAudience('savvysolve-meet-extension')
      .setIssuedAt()
      .setExpirationTime('1h')
      .setSubject(solverId);
    expect(await createSessionTokens(secret).verify(await complete.sign(key))).toEqual({ solverId, tokenVersion: 0 });
  });
});
