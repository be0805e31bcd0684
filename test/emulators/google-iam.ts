import { generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
import { SignJWT } from 'jose';
import type { Context } from 'hono';
import type { EmulatorApp, EmulatorEnv } from './emulator-app.ts';
import { rpcError } from './google-errors.ts';
import type { TokenStore } from './google-tokens.ts';

export type IamRoute = 'metadata.email' | 'metadata.token' | 'signJwt';
export const IAM_ROUTES: readonly IamRoute[] = ['metadata.email', 'metadata.token', 'signJwt'];

const CLOUD_PLATFORM = 'https://www.googleapis.com/auth/cloud-platform';
/** Scopes IAM Credentials accepts on the caller's token. */
const IAM_SCOPES = [CLOUD_PLATFORM, 'https://www.googleapis.com/auth/iam'];
const METADATA_TOKEN_LIFETIME_SEC = 3599;
const MAX_SIGNED_LIFETIME_SEC = 12 * 3600;
const CREDENTIALS_HINT =
  'Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.';

export type IamOptions = {
  tokens: TokenStore;
  /** The service accounts that exist: each gets a Google-managed key pair only the emulator holds. */
  serviceAccounts(): string[];
  /** The account attached to the emulated instance (Cloud Run, GKE, Compute Engine): the metadata server's identity. */
  attachedServiceAccount: string;
  /** Per target service account, who holds roles/iam.serviceAccountTokenCreator on it; default: the attached account on all. */
  tokenCreators?: Record<string, string[]>;
  /** The project number shown in SERVICE_DISABLED answers. */
  projectNumber?: string;
};

export type IamControls = {
  /** The Google-managed public key of a service account (the token endpoint accepts assertions it signs). */
  managedKey(serviceAccount: string): KeyObject | undefined;
  /** Grants (`true`) or revokes (`false`) Token Creator on `target` for `caller` (default: the attached account). */
  setTokenCreator(target: string, granted: boolean, caller?: string): void;
  /** Turns the IAM Service Account Credentials API off (403 SERVICE_DISABLED) or on in the caller's project. */
  setIamCredentialsEnabled(enabled: boolean): void;
  readonly attachedServiceAccount: string;
  reset(): void;
};

/**
 * The metadata server of a Google Cloud instance (`/computeMetadata/v1/…`, only with `Metadata-Flavor: Google`,
 * answering with that header as gcp-metadata checks) and IAM Credentials `signJwt`
 * (`POST /v1/projects/-/serviceAccounts/{email}:signJwt`), strict as Google: a valid caller token with the
 * cloud-platform (or iam) scope, the API enabled, an existing account, and Token Creator on it for the caller.
 */
export function registerIamRoutes({ app, route }: Pick<EmulatorApp<IamRoute>, 'app' | 'route'>, options: IamOptions): IamControls {
  const lower = (email: string) => email.toLowerCase();
  const managedKeys = new Map<string, { keyId: string; privateKey: KeyObject; publicKey: KeyObject }>();
  const keyOf = (serviceAccount: string) => {
    const email = lower(serviceAccount);
    if (!options.serviceAccounts().some((known) => lower(known) === email)) return undefined;
    let key = managedKeys.get(email);
    if (!key) {
      const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
      key = { keyId: randomBytes(20).toString('hex'), privateKey: pair.privateKey, publicKey: pair.publicKey };
      managedKeys.set(email, key);
    }
    return key;
  };

  const creators = new Map<string, Set<string>>();
  let apiEnabled = true;
  const loadCreators = () => {
    creators.clear();
    apiEnabled = true;
    const initial =
      options.tokenCreators ?? Object.fromEntries(options.serviceAccounts().map((email) => [email, [options.attachedServiceAccount]]));
    for (const [target, callers] of Object.entries(initial)) creators.set(lower(target), new Set(callers.map(lower)));
  };
  loadCreators();

  // The metadata server: every request needs the header, every answer carries it.
  const metadata = (c: Context<EmulatorEnv>, body: () => Response) => {
    c.header('Metadata-Flavor', 'Google');
    if (c.req.header('metadata-flavor') !== 'Google') {
      return c.text('Missing required header "Metadata-Flavor": "Google"\n', 403);
    }
    return body();
  };
  const isAttached = (account: string) => account === 'default' || lower(account) === lower(options.attachedServiceAccount);
  app.get('/computeMetadata/v1/instance', (c) => metadata(c, () => c.text('attributes/\nhostname\nid\nservice-accounts/\nzone\n')));
  app.get('/computeMetadata/v1/universe/universe-domain', (c) => metadata(c, () => c.text('googleapis.com')));
  app.get('/computeMetadata/v1/project/project-id', (c) => metadata(c, () => c.text(projectOf(options.attachedServiceAccount))));
  app.get('/computeMetadata/v1/instance/service-accounts/:account/email', route('metadata.email'), (c) =>
    metadata(c, () => (isAttached(c.req.param('account')) ? c.text(options.attachedServiceAccount) : c.text('Not Found\n', 404))),
  );
  app.get('/computeMetadata/v1/instance/service-accounts/:account/token', route('metadata.token'), (c) =>
    metadata(c, () => {
      if (!isAttached(c.req.param('account'))) return c.text('Not Found\n', 404);
      const scopes = (c.req.query('scopes') ?? CLOUD_PLATFORM).split(',').filter(Boolean);
      const accessToken = options.tokens.issue(
        {
          email: options.attachedServiceAccount,
          audience: options.attachedServiceAccount,
          scopes,
          emailVerified: true,
          serviceAccount: { clientEmail: options.attachedServiceAccount, delegated: false },
        },
        METADATA_TOKEN_LIFETIME_SEC,
      );
      return c.json({ access_token: accessToken, expires_in: METADATA_TOKEN_LIFETIME_SEC, token_type: 'Bearer' });
    }),
  );

  app.post('/v1/projects/:project/serviceAccounts/:target{[^/]+:signJwt}', route('signJwt'), async (c) => {
    const bearer = c.req.header('authorization')?.match(/^Bearer\s+(\S+)$/i)?.[1];
    if (!bearer) return rpcError(401, `Request is missing required authentication credential. ${CREDENTIALS_HINT}`);
    const token = options.tokens.lookup(bearer);
    if (!token) return rpcError(401, `Request had invalid authentication credentials. ${CREDENTIALS_HINT}`);
    if (!token.scopes.some((scope) => IAM_SCOPES.includes(scope))) {
      return rpcError(403, 'Request had insufficient authentication scopes.', [
        {
          '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
          reason: 'ACCESS_TOKEN_SCOPE_INSUFFICIENT',
          domain: 'googleapis.com',
          metadata: { service: 'iamcredentials.googleapis.com', method: 'google.iam.credentials.v1.IAMCredentials.SignJwt' },
        },
      ]);
    }
    if (!apiEnabled) return serviceDisabled(options.projectNumber ?? '123456789012');
    if (c.req.param('project') !== '-') return rpcError(400, 'The project ID must be the wildcard "-".');
    const target = decodeURIComponent(c.req.param('target').replace(/:signJwt$/, ''));
    const key = keyOf(target);
    if (!key) return rpcError(404, `Not found; Gaia id not found for email ${target}`);
    if (!creators.get(lower(target))?.has(lower(token.email))) {
      return rpcError(403, "Permission 'iam.serviceAccounts.signJwt' denied on resource (or it may not exist).", [
        {
          '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
          reason: 'IAM_PERMISSION_DENIED',
          domain: 'iam.googleapis.com',
          metadata: { permission: 'iam.serviceAccounts.signJwt' },
        },
      ]);
    }
    const body = c.get('body') as { payload?: unknown } | undefined;
    let claims: Record<string, unknown>;
    try {
      claims = JSON.parse(String(body?.payload)) as Record<string, unknown>;
      if (typeof claims !== 'object' || claims === null || Array.isArray(claims)) throw new Error('not an object');
    } catch {
      return rpcError(400, 'Invalid form of the payload: the payload must be a JSON object of JWT claims.');
    }
    const now = Date.now() / 1000;
    if (claims.exp !== undefined && (typeof claims.exp !== 'number' || claims.exp < now || claims.exp > now + MAX_SIGNED_LIFETIME_SEC)) {
      return rpcError(400, 'The expiration time (exp) must not be in the past nor more than 12 hours in the future.');
    }
    const signedJwt = await new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: key.keyId, typ: 'JWT' }).sign(key.privateKey);
    return c.json({ keyId: key.keyId, signedJwt });
  });

  return {
    managedKey: (serviceAccount) => keyOf(serviceAccount)?.publicKey,
    setTokenCreator(target, granted, caller = options.attachedServiceAccount) {
      const set = creators.get(lower(target)) ?? new Set<string>();
      if (granted) set.add(lower(caller));
      else set.delete(lower(caller));
      creators.set(lower(target), set);
    },
    setIamCredentialsEnabled: (enabled) => void (apiEnabled = enabled),
    attachedServiceAccount: options.attachedServiceAccount,
    reset: loadCreators,
  };
}

const projectOf = (serviceAccount: string) => serviceAccount.split('@')[1]?.split('.')[0] ?? 'emulated-project';

/** Google's answer when the IAM Service Account Credentials API is off in the caller's project. */
function serviceDisabled(projectNumber: string): Response {
  const url = `https://console.developers.google.com/apis/api/iamcredentials.googleapis.com/overview?project=${projectNumber}`;
  return rpcError(
    403,
    `IAM Service Account Credentials API has not been used in project ${projectNumber} before or it is disabled. Enable it by visiting ${url} then retry. If you enabled this API recently, wait a few minutes for the action to propagate to our systems and retry.`,
    [
      {
        '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
        reason: 'SERVICE_DISABLED',
        domain: 'googleapis.com',
        metadata: { consumer: `projects/${projectNumber}`, service: 'iamcredentials.googleapis.com' },
      },
      { '@type': 'type.googleapis.com/google.rpc.Help', links: [{ description: 'Google developers console API activation', url }] },
    ],
  );
}
