import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stubTokenVerifier } from '../../test/support/stubs.ts';
import type { DatabaseHandle } from '../db/client.ts';
import { solvers } from '../db/schema.ts';
import { createSolverCache } from '../solvers/solver-cache.ts';
import { createAuthService } from './service.ts';
import { createSessionTokens } from './session-tokens.ts';
import type { SignInThrottle } from './sign-in-throttle.ts';
import { openMemoryPglite } from '../../test/support/pglite-template.ts';

// The sign-in rules in their order, each refusal with its status and words (tokeninfo stubbed).
let database: DatabaseHandle;
const identity = (email: string, overrides: Partial<{ emailVerified: boolean; audience: string }> = {}) => ({
  email,
  emailVerified: true,
  audience: 'ext-client',
  accountId: '42',
  ...overrides,
});
const verifier = stubTokenVerifier({
  ada: identity('ada@example.com'),
  unverified: identity('ada@example.com', { emailVerified: false }),
  foreignApp: identity('ada@example.com', { audience: 'other-app' }),
  foreignDomain: identity('eve@evil.test'),
  nobody: identity('nobody@example.com'),
  dora: identity('dora@example.com'),
  unverifiedForeignApp: identity('eve@evil.test', { emailVerified: false, audience: 'other-app' }),
});
const openThrottle: SignInThrottle = {
  refusal: () => undefined,
  rememberRefusal: () => {},
  admitAddress: async () => {},
  admitUpstream: async () => {},
};
const service = (oauthClientIds = ['ext-client']) =>
  createAuthService({
    db: database.db,
    verifier,
    tokens: createSessionTokens('s'.repeat(40)),
    solvers: createSolverCache(database.db),
    oauthClientIds,
    workspaceDomains: ['example.com'],
    throttle: openThrottle,
  });

beforeAll(async () => {
  database = await openMemoryPglite();
  await database.db.insert(solvers).values([
    { name: 'Ada', email: 'ada@example.com', employment: 'employed', googleEmail: 'ada@example.com' },
    { name: 'Dora', email: 'dora@example.com', employment: 'employed', disabled: true },
  ]);
});
afterAll(async () => database?.close());

describe('sign-in rules, in order', () => {
  it.each([
    ['sign-in not configured', [], 'ada', 503, /Sign-in is not configured/],
    ['a token Google does not know', undefined, 'garbage', 401, /did not accept this access token/],
    ['a token of another app (checked before the email)', undefined, 'unverifiedForeignApp', 401, /another application/],
    ['an unverified email', undefined, 'unverified', 403, /not verified/],
    ['an account of another domain', undefined, 'foreignDomain', 403, /evil\.test may not sign in/],
    ['no solver for the account', undefined, 'nobody', 403, /No SavvySolve solver is registered for nobody@example\.com/],
    ['a disabled solver', undefined, 'dora', 403, /disabled/],
  ] as const)('refuses %s', async (_case, clientIds, token, status, message) => {
    const refused = await service(clientIds ? [...clientIds] : undefined)
      .signIn(token, '127.0.0.1')
      .then(
        () => undefined,
        (error: { status: number; message: string }) => error,
      );
    expect(refused).toMatchObject({ status });
    expect(refused!.message).toMatch(message);
  });

  it('signs in an enabled solver of the domain and remembers their Google account id', async () => {
    const session = await service().signIn('ada', '127.0.0.1');
    expect(session.solver).toMatchObject({ email: 'ada@example.com', disabled: false });
    const ada = (await database.db.select().from(solvers)).find((solver) => solver.email === 'ada@example.com');
    expect(ada?.googleAccountId).toBe('42');
  });
});
