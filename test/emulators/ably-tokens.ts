import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** Ably's `{ code, statusCode, message }` (ErrorInfo on the wire). */
export type AblyErrorInfo = { code: number; statusCode: number; message: string };

/** A capability: resource name (channel, `namespace:*` or `*`) → operations (`subscribe`, `publish`, `presence`, `*` …). */
export type Capability = Record<string, string[]>;

/** What the emulator issued for a token request (the REST answer), plus the key it was issued under. */
export type TokenDetails = {
  token: string;
  keyName: string;
  issued: number;
  expires: number;
  /** JSON text, as Ably answers it. */
  capability: string;
  clientId?: string;
};

/** Who a connection authenticated as: a token the emulator issued, or the API key itself (basic auth). */
export type Credentials = { keyName: string; capability: Capability; clientId?: string; token?: TokenDetails };

export type TokenIssuer = {
  /** `POST /keys/{keyName}/requestToken` with a signed TokenRequest: checks key, timestamp, nonce and `mac` as Ably does. */
  exchange(keyName: string, body: unknown): TokenDetails | AblyErrorInfo;
  /** The credentials behind an `access_token` or `key` connect parameter. */
  authenticate(params: { accessToken?: string; key?: string; clientId?: string }): Credentials | AblyErrorInfo;
  /**
   * `POST /keys/{keyName}/revokeTokens` (basic auth checked by the caller): `targets` are `clientId:<id>` (other
   * kinds answer a per-target failure); tokens of that client issued before `issuedBefore` (default now) are
   * refused from `appliesAt` on (now, or 30 s later with `allowReauthMargin`). Refused with 40164 when the key was
   * made without revocable tokens, 40003 for an `issuedBefore` in the future or over an hour old.
   */
  revoke(keyName: string, body: unknown): RevocationResult | AblyErrorInfo;
  /** Whether this token was revoked (and the revocation applies by now). */
  isRevoked(token: TokenDetails): boolean;
  /** Tokens issued since the last `clearRecords` (copies), oldest first. */
  issued(): TokenDetails[];
  /** Forgets the issued list; the tokens stay valid (open connections keep them). */
  clearRecords(): void;
};

/** Ably's batch answer to `revokeTokens`, one result per target. */
export type RevocationResult = {
  successCount: number;
  failureCount: number;
  results: ({ target: string; issuedBefore: number; appliesAt: number } | { target: string; error: AblyErrorInfo })[];
};

export type TokenIssuerOptions = {
  now?: () => number;
  /** The key's "revocable tokens" setting (default on): tokens at most 1 hour, `revokeTokens` allowed. */
  revocableTokens?: boolean;
};

const DEFAULT_TTL_MS = 60 * 60 * 1000;
/** With revocable tokens, Ably caps a token's life at one hour. */
const MAX_REVOCABLE_TTL_MS = 60 * 60 * 1000;
const REAUTH_MARGIN_MS = 30_000;
const MAX_TTL_MS = 24 * 60 * 60 * 1000;
/** How far a token request's timestamp may be from the emulator's clock. */
const TIMESTAMP_WINDOW_MS = 10 * 60 * 1000;

export const isAblyError = (value: unknown): value is AblyErrorInfo =>
  typeof value === 'object' && value !== null && 'code' in value && 'statusCode' in value;

const error = (statusCode: number, code: number, message: string): AblyErrorInfo => ({ statusCode, code, message });

/** Ably's token request signature: HMAC-SHA256 over the fields, newline-terminated, base64 (`createTokenRequest` in ably-js). */
export function tokenRequestMac(secret: string, request: Record<string, unknown>): string {
  const field = (name: string) => (request[name] === undefined ? '' : String(request[name]));
  const text = ['keyName', 'ttl', 'capability', 'clientId', 'timestamp', 'nonce'].map((name) => `${field(name)}\n`).join('');
  return createHmac('sha256', secret).update(text).digest('base64');
}

const sameText = (a: string, b: string) => a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));

/** Whether `capability` grants `operation` on `channel` (`*` and `prefix:*` resources, `*` operations). */
export function allows(capability: Capability, channel: string, operation: string): boolean {
  return Object.entries(capability).some(
    ([resource, operations]) =>
      (resource === '*' || resource === channel || (resource.endsWith('*') && channel.startsWith(resource.slice(0, -1)))) &&
      (operations.includes('*') || operations.includes(operation)),
  );
}

function parseCapability(text: unknown): Capability | undefined {
  if (text === undefined || text === '') return { '*': ['*'] };
  try {
    const parsed = JSON.parse(String(text)) as unknown;
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return undefined;
    const entries = Object.entries(parsed as Record<string, unknown>);
    return entries.every(([, operations]) => Array.isArray(operations) && operations.every((op) => typeof op === 'string'))
      ? (parsed as Capability)
      : undefined;
  } catch {
    return undefined;
  }
}

/** Issues and checks tokens for one API key (`appId.keyId:secret`, whose capability is everything). */
export function createTokenIssuer(apiKey: string, { now = Date.now, revocableTokens = true }: TokenIssuerOptions = {}): TokenIssuer {
  const [keyName = '', secret = ''] = apiKey.split(':');
  const tokens = new Map<string, TokenDetails>();
  /** clientId → the latest revocation: tokens issued before `issuedBefore` fail from `appliesAt`. */
  const revocations = new Map<string, { issuedBefore: number; appliesAt: number }>();
  const isRevoked = (token: TokenDetails) => {
    const revocation = token.clientId === undefined ? undefined : revocations.get(token.clientId);
    return revocation !== undefined && token.issued < revocation.issuedBefore && revocation.appliesAt <= now();
  };
  const nonces = new Set<string>();
  let recorded: TokenDetails[] = [];

  return {
    exchange(requestedKey, body) {
      if (requestedKey !== keyName) return error(404, 40400, `No key ${requestedKey} in this application`);
      const request = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
      if (request.keyName !== keyName) return error(400, 40000, 'The token request keyName does not match the URL');
      if (typeof request.mac !== 'string' || typeof request.nonce !== 'string' || typeof request.timestamp !== 'number') {
        return error(400, 40000, 'A token request needs keyName, timestamp, nonce and mac (unsigned requests need basic auth)');
      }
      if (!sameText(request.mac, tokenRequestMac(secret, request))) return error(401, 40101, 'Invalid mac in token request');
      if (Math.abs(now() - request.timestamp) > TIMESTAMP_WINDOW_MS) return error(401, 40104, 'Timestamp not current');
      if (nonces.has(`${request.timestamp}:${request.nonce}`)) return error(401, 40105, 'Nonce value replayed');
      const capability = parseCapability(request.capability);
      if (!capability) return error(400, 40000, 'Invalid capability: expected a JSON object of resource → operations');
      const ttl = request.ttl === undefined || request.ttl === '' ? DEFAULT_TTL_MS : Number(request.ttl);
      if (!Number.isFinite(ttl) || ttl <= 0 || ttl > MAX_TTL_MS) return error(400, 40003, 'Invalid ttl');
      if (revocableTokens && ttl > MAX_REVOCABLE_TTL_MS)
        return error(400, 40003, 'Excessive value for TTL (revocation is enabled on this key)');
      nonces.add(`${request.timestamp}:${request.nonce}`);
      const issued = now();
      const details: TokenDetails = {
        token: `${keyName}.${randomBytes(18).toString('base64url')}`,
        keyName,
        issued,
        expires: issued + ttl,
        capability: JSON.stringify(capability),
        ...(typeof request.clientId === 'string' && request.clientId ? { clientId: request.clientId } : {}),
      };
      tokens.set(details.token, details);
      recorded.push(details);
      return { ...details };
    },

    authenticate({ accessToken, key, clientId }) {
      if (key !== undefined) {
        return key === apiKey
          ? { keyName, capability: { '*': ['*'] }, ...(clientId ? { clientId } : {}) }
          : error(401, 40101, 'Invalid credentials');
      }
      if (accessToken === undefined) return error(401, 40101, 'No authentication information provided (access_token or key)');
      const token = tokens.get(accessToken);
      if (!token) return error(401, 40140, 'Token not recognised');
      if (token.expires <= now()) return error(401, 40142, 'Key/token expired');
      if (isRevoked(token)) return error(401, 40141, 'Token revoked');
      return { keyName, capability: parseCapability(token.capability)!, clientId: token.clientId, token: { ...token } };
    },

    revoke(requestedKey, body) {
      if (requestedKey !== keyName) return error(404, 40400, `No key ${requestedKey} in this application`);
      if (!revocableTokens) return error(400, 40164, 'Token revocation not enabled for API key');
      const request = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
      const { targets, issuedBefore = now(), allowReauthMargin = false } = request;
      if (!Array.isArray(targets) || targets.length === 0 || !targets.every((target) => typeof target === 'string'))
        return error(400, 40000, 'targets must be a non-empty array of "type:value" strings');
      if (typeof issuedBefore !== 'number' || issuedBefore > now() + 1_000 || issuedBefore < now() - 60 * 60 * 1000)
        return error(400, 40003, 'issuedBefore must be a time in ms within the past hour');
      const appliesAt = now() + (allowReauthMargin === true ? REAUTH_MARGIN_MS : 0);
      const results = (targets as string[]).map((target) => {
        const [kind, ...rest] = target.split(':');
        const clientId = rest.join(':');
        if (kind !== 'clientId' || !clientId)
          return { target, error: error(400, 40000, `Unsupported revocation target ${target} (the emulator revokes by clientId)`) };
        revocations.set(clientId, { issuedBefore, appliesAt });
        return { target, issuedBefore, appliesAt };
      });
      const failureCount = results.filter((result) => 'error' in result).length;
      return { successCount: results.length - failureCount, failureCount, results };
    },

    isRevoked,
    issued: () => recorded.map((token) => ({ ...token })),
    clearRecords: () => void (recorded = []),
  };
}
