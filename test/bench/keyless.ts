import { createDelegatedAuth } from '../../backend/google/delegated-auth.ts';
import { createIamSigner, createKeySigner } from '../../backend/google/jwt-signers.ts';
import { CALENDAR_SCOPES, MEET_SPACE_SCOPES } from '../../backend/google/scopes.ts';
import { useEmulatedAdc } from '../emulators/index.ts';
import { startBackendUnderTest } from './backend-under-test.ts';
import { click, describeFailure } from './click.ts';
import { summarize, type Summary } from './stats.ts';
import { ADMIN_TOKEN, OUTSIDE_LATENCY_MS, solverEmail, type World } from './world.ts';

type Mode = 'key' | 'keyless';

export type KeylessResult = {
  /**
   * Per scope set (Calendar; Meet), signJwt and token exchanges for one solver clicking every `clickEveryMin` for their
   * first (simulated) hour, from a cold start.
   */
  perSolverHour: Record<Mode, { calendar: { signJwt: number; exchange: number }; meet: { signJwt: number; exchange: number } }>;
  clickEveryMin: number;
  /** The first click a backend process serves (keyless: includes finding Application Default Credentials). */
  firstClickMs: Record<Mode, number>;
  /** A solver's first click (no delegated token yet): sign + exchange + Calendar. */
  cold: Record<Mode, Summary>;
  /** The same solvers' second click (token cached). */
  warm: Record<Mode, Summary>;
  /** Keyless cold p50 − key cold p50, and the same less the assumed IAM latency. */
  coldOverheadMs: { p50: number; p50LessIamLatency: number };
  iamLatencyMs: number;
  errors: string[];
};

export type KeylessOptions = { solvers: number; clickEveryMin: number; log: (line: string) => void };

/**
 * Keyless against key in the same run. (1) Calls per solver-hour: the real credential source against the emulator,
 * its cache clock moved through one hour of clicks. (2) Cold-click overhead: `backend/server.ts` in its own process
 * per mode (PGlite, MEET_SPACE_CONTROL=false so only the click's Calendar token is measured), each solver clicking
 * twice; IAM Credentials answers after the same assumed latency as Calendar.
 */
export async function measureKeyless(world: World, options: KeylessOptions): Promise<KeylessResult> {
  const { emulators } = world;
  const iamLatencyMs = OUTSIDE_LATENCY_MS.calendar;
  const restoreEnv = useEmulatedAdc(emulators.adcEnv);
  const errors: string[] = [];
  try {
    const perSolverHour = {
      key: await simulatedHour(world, 'key', options.clickEveryMin),
      keyless: await simulatedHour(world, 'keyless', options.clickEveryMin),
    };
    emulators.google.faults.set('signJwt', { latencyMs: iamLatencyMs });
    const clicks = { key: await coldAndWarm(world, 'key', options, errors), keyless: await coldAndWarm(world, 'keyless', options, errors) };
    const cold = { key: summarize(clicks.key.cold), keyless: summarize(clicks.keyless.cold) };
    const p50 = cold.keyless.p50 - cold.key.p50;
    return {
      perSolverHour,
      clickEveryMin: options.clickEveryMin,
      firstClickMs: { key: clicks.key.first, keyless: clicks.keyless.first },
      cold,
      warm: { key: summarize(clicks.key.warm), keyless: summarize(clicks.keyless.warm) },
      coldOverheadMs: { p50, p50LessIamLatency: p50 - iamLatencyMs },
      iamLatencyMs,
      errors,
    };
  } finally {
    emulators.google.faults.set('signJwt', {});
    restoreEnv();
  }
}

/** signJwt and exchanges of one solver clicking every `everyMin` minutes for an hour, per scope set. */
async function simulatedHour(world: World, mode: Mode, everyMin: number) {
  const google = world.emulators.google;
  let clock = Date.now();
  const delegated = createDelegatedAuth({
    signer:
      mode === 'key'
        ? createKeySigner(world.emulators.serviceAccount.json)
        : createIamSigner({
            serviceAccountEmail: world.emulators.serviceAccount.clientEmail,
            iamCredentialsUrl: google.url,
            timeoutMs: 10_000,
          }),
    oauthUrl: google.url,
    timeoutMs: 10_000,
    now: () => clock,
  });
  const counts = (scopes: readonly string[]) => {
    const scope = scopes.join(' ');
    const ofScope = (requests: { body?: unknown }[], read: (body: never) => string | undefined) =>
      requests.filter((request) => claimsScope(read(request.body as never)) === scope).length;
    return {
      signJwt: ofScope(google.requests('signJwt'), (body: { payload?: string }) => body?.payload),
      exchange: ofScope(google.requests('token'), (body: { assertion?: string }) => body?.assertion && payloadOf(body.assertion)),
    };
  };
  const solver = solverEmail(0);
  google.reset();
  world.applyLatencies();
  for (let minute = 0; minute < 60; minute += everyMin) {
    clock = Date.now() + minute * 60_000;
    await delegated.accessToken(solver, CALENDAR_SCOPES);
    await delegated.accessToken(solver, MEET_SPACE_SCOPES);
  }
  return { calendar: counts(CALENDAR_SCOPES), meet: counts(MEET_SPACE_SCOPES) };
}

const payloadOf = (jwt: string) => Buffer.from(jwt.split('.')[1] ?? '', 'base64url').toString('utf8');
const claimsScope = (payload: string | undefined) => {
  try {
    return (JSON.parse(payload ?? '{}') as { scope?: string }).scope;
  } catch {
    return undefined;
  }
};

/** One backend process in `mode`: a throwaway first click, then each solver's cold click, then their warm clicks. */
async function coldAndWarm(world: World, mode: Mode, options: KeylessOptions, errors: string[]) {
  const { GOOGLE_SERVICE_ACCOUNT_KEY: key, ...shared } = world.backendEnv;
  const env =
    mode === 'key'
      ? { ...shared, GOOGLE_SERVICE_ACCOUNT_KEY: key! }
      : {
          ...shared,
          ...world.emulators.adcEnv,
          GOOGLE_SERVICE_ACCOUNT_EMAIL: world.emulators.keylessBackendEnv.GOOGLE_SERVICE_ACCOUNT_EMAIL,
          GOOGLE_IAM_CREDENTIALS_URL: world.emulators.keylessBackendEnv.GOOGLE_IAM_CREDENTIALS_URL,
        };
  const backend = await startBackendUnderTest(
    { ...world, backendEnv: { ...env, MEET_SPACE_CONTROL: 'false' } },
    'pglite',
    `keyless-${mode}`,
  );
  try {
    const offset = mode === 'key' ? 1 : 1 + options.solvers + 1;
    const solvers = await Promise.all(
      Array.from({ length: options.solvers + 1 }, async (_, index) => {
        const email = solverEmail(offset + index);
        const id = await backend.createSolver({ name: `Keyless bench ${index}`, email, employment: 'employed', googleEmail: email });
        return { id, token: await world.token(id) };
      }),
    );
    const session = async (solverId: string) => {
      const response = await backend.api.api.admin.sessions.$post(
        { json: { solverId, customerName: 'Grace Hopper', customerPhone: '+14155550123' } },
        { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } },
      );
      return ((await response.json()) as { id: string }).id;
    };
    const timed = async (solver: { id: string; token: string }) => {
      const result = await click(backend.url, solver.token, await session(solver.id));
      if (!result.ok) errors.push(`${mode}: ${describeFailure(result)}`);
      return result.ms;
    };
    const [first, ...rest] = solvers;
    const firstMs = await timed(first!);
    const cold: number[] = [];
    for (const solver of rest) cold.push(await timed(solver));
    const warm: number[] = [];
    for (const solver of rest) warm.push(await timed(solver));
    options.log(
      `  ${mode}: first click ${firstMs.toFixed(0)} ms, cold p50 ${summarize(cold).p50.toFixed(1)} ms, warm p50 ${summarize(warm).p50.toFixed(1)} ms`,
    );
    return { first: firstMs, cold, warm };
  } finally {
    await backend.stop();
  }
}
