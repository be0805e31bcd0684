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
  /** Tokens issued since the last `clearRecords` (copies), oldest first. */
  issued(): TokenDetails[];
  /** Forgets the issued list; the tokens stay valid (open connections keep them). */
  clearRecords(): void;
};

const DEFAULT_TTL_MS = 60 * 60 * 1000;
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
export function createTokenIssuer(apiKey: string, now: () => number = Date.now): TokenIssuer {
  const [keyName = '', secret = ''] = apiKey.split(':');
  const tokens = new Map<string, TokenDetails>();
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
      return { keyName, capability: parseCapability(token.capability)!, clientId: token.clientId, token: { ...token } };
    },

    issued: () => recorded.map((token) => ({ ...token })),
    clearRecords: () => void (recorded = []),
  };
}
