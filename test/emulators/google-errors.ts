const CANONICAL_STATUS: Record<number, string> = {
  400: 'INVALID_ARGUMENT',
  401: 'UNAUTHENTICATED',
  403: 'PERMISSION_DENIED',
  404: 'NOT_FOUND',
  409: 'ALREADY_EXISTS',
  429: 'RESOURCE_EXHAUSTED',
  500: 'INTERNAL',
  503: 'UNAVAILABLE',
};

/** Google API error body: `{ error: { code, message, errors: [{ domain, reason, message }], status } }`. */
export function googleErrorBody(code: number, reason: string, message: string, domain = 'global') {
  return { error: { code, message, errors: [{ domain, reason, message }], status: CANONICAL_STATUS[code] } };
}

/** A Google API error as a Response. */
export function googleError(code: number, reason: string, message: string, domain?: string): Response {
  return Response.json(googleErrorBody(code, reason, message, domain), { status: code });
}

/** An OAuth endpoint error as a Response: `{ error, error_description }`. */
export function oauthError(status: number, error: string, description: string): Response {
  return Response.json({ error, error_description: description }, { status });
}

/** The body Google's API would send with an injected status. */
export function apiFaultBody(status: number) {
  if (status === 403 || status === 429) return googleErrorBody(status, 'rateLimitExceeded', 'Rate Limit Exceeded', 'usageLimits');
  if (status === 503) return googleErrorBody(status, 'backendError', 'The service is currently unavailable.');
  if (status >= 500) return googleErrorBody(status, 'backendError', 'Backend Error');
  const reasons: Record<number, [string, string]> = {
    400: ['badRequest', 'Bad Request'],
    401: ['authError', 'Invalid Credentials'],
    404: ['notFound', 'Not Found'],
    409: ['conflict', 'Conflict'],
    410: ['deleted', 'Resource has been deleted'],
  };
  const [reason, message] = reasons[status] ?? ['unknown', `HTTP ${status}`];
  return googleErrorBody(status, reason, message);
}

const RPC_MESSAGES: Record<number, string> = {
  400: 'Request contains an invalid argument.',
  401: 'Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.',
  403: 'The caller does not have permission',
  404: 'Requested entity was not found.',
  409: 'Requested entity already exists',
  429: 'Resource has been exhausted (e.g. check quota).',
  500: 'Internal error encountered.',
  503: 'The service is currently unavailable.',
};

/**
 * The error body of Google's newer (gRPC-transcoded) APIs such as Meet v2: `{ error: { code, message, status } }`,
 * with `details` when Google sends them; no `errors` array.
 */
export function rpcErrorBody(code: number, message = RPC_MESSAGES[code] ?? `HTTP ${code}`, details?: unknown[]) {
  return { error: { code, message, status: CANONICAL_STATUS[code] ?? 'UNKNOWN', ...(details ? { details } : {}) } };
}

/** A gRPC-style Google API error as a Response. */
export function rpcError(code: number, message?: string, details?: unknown[]): Response {
  return Response.json(rpcErrorBody(code, message, details), { status: code });
}
