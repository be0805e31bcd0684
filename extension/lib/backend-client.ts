import type { z } from 'zod';
import {
  API_PATHS,
  apiErrorSchema,
  authSessionSchema,
  canUseMeetResponseSchema,
  createMeetLinkResponseSchema,
  ERROR_CODES,
  listSessionsResponseSchema,
  realtimeTokenRequestSchema,
  resendSmsResponseSchema,
  sessionSummarySchema,
  type AuthSession,
  type CanUseMeetResponse,
  type CreateMeetLinkResponse,
  type ListSessionsResponse,
  type RealtimeTokenRequest,
  type ResendSmsResponse,
  type SessionSummary,
  healthResponseSchema,
  type HealthResponse,
} from '../../shared/index.ts';

/** A failed backend call: the backend's `{ error: { code, message } }`, or `network` when it could not be reached. */
export class BackendError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'BackendError';
  }
}

/** What a solver can do when the backend does not answer. */
export const NETWORK_ADVICE = 'Check the address in Settings, or ask your admin whether it is running.';

export type BackendClientOptions = {
  /** Read on every call, so a new backend URL applies at once. */
  baseUrl: () => string | Promise<string>;
  fetch?: typeof fetch;
  timeoutMs?: number;
};

export type BackendClient = ReturnType<typeof createBackendClient>;

/**
 * The backend's HTTP API, typed by the shared contract and validated with its zod schemas. Only the background
 * uses it; everything else asks the background through runtime messages.
 */
export function createBackendClient(options: BackendClientOptions) {
  const fetchImpl = options.fetch ?? ((input: RequestInfo | URL, init?: RequestInit) => fetch(input, init));
  const timeoutMs = options.timeoutMs ?? 20_000;

  async function call<T>(
    schema: z.ZodType<T>,
    method: 'GET' | 'POST',
    path: string,
    init: { token?: string; json?: unknown; acceptStatus?: number } = {},
  ): Promise<T> {
    const base = await options.baseUrl();
    const headers: Record<string, string> = { accept: 'application/json' };
    if (init.token) headers.authorization = `Bearer ${init.token}`;
    if (init.json !== undefined) headers['content-type'] = 'application/json';
    let response: Response;
    try {
      response = await fetchImpl(`${base}${path}`, {
        method,
        headers,
        body: init.json === undefined ? undefined : JSON.stringify(init.json),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (error) {
      const what =
        error instanceof Error && error.name === 'TimeoutError'
          ? `The SavvySolve Meet backend at ${base} didn’t answer in time.`
          : `Can’t reach the SavvySolve Meet backend at ${base}.`;
      throw new BackendError(0, 'network', `${what} ${NETWORK_ADVICE}`);
    }
    const body: unknown = await response.json().catch(() => undefined);
    if (!response.ok && response.status !== init.acceptStatus) {
      const parsed = apiErrorSchema.safeParse(body);
      if (parsed.success) throw new BackendError(response.status, parsed.data.error.code, parsed.data.error.message);
      throw new BackendError(response.status, ERROR_CODES.internal, `The backend answered HTTP ${response.status}.`);
    }
    const parsed = schema.safeParse(body);
    if (!parsed.success) {
      throw new BackendError(response.status, 'bad_response', `The backend answered ${path} in a shape this extension does not know.`);
    }
    return parsed.data;
  }

  const meetLinkPath = (sessionId: string, action: 'capture' | 'resend') =>
    `${API_PATHS.meetLinks}/${encodeURIComponent(sessionId)}/${action}`;

  return {
    /** Exchanges a Google access token for a backend session. */
    signIn: (googleAccessToken: string): Promise<AuthSession> =>
      call(authSessionSchema, 'POST', API_PATHS.authSession, { json: { googleAccessToken } }),
    canUseMeet: (token: string): Promise<CanUseMeetResponse> => call(canUseMeetResponseSchema, 'GET', API_PATHS.meetCanUse, { token }),
    createMeetLink: (token: string, sessionId: string): Promise<CreateMeetLinkResponse> =>
      call(createMeetLinkResponseSchema, 'POST', API_PATHS.meetLinks, { token, json: { sessionId } }),
    captureMeetLink: (token: string, sessionId: string, meetLink: string): Promise<CreateMeetLinkResponse> =>
      call(createMeetLinkResponseSchema, 'POST', meetLinkPath(sessionId, 'capture'), { token, json: { meetLink } }),
    resendSms: (token: string, sessionId: string): Promise<ResendSmsResponse> =>
      call(resendSmsResponseSchema, 'POST', meetLinkPath(sessionId, 'resend'), { token }),
    /** `GET /health` (503 still carries the states when the database is down). */
    health: (): Promise<HealthResponse> => call(healthResponseSchema, 'GET', API_PATHS.health, { acceptStatus: 503 }),
    listSessions: (token: string): Promise<ListSessionsResponse> => call(listSessionsResponseSchema, 'GET', API_PATHS.sessions, { token }),
    /**
     * One of the solver's sessions (the backend pulls one it does not know from the SavvySolve app); `null` when
     * there is none — a missing session and another solver's answer the same 404.
     */
    async getSession(token: string, sessionId: string): Promise<SessionSummary | null> {
      try {
        return await call(sessionSummarySchema, 'GET', API_PATHS.session(encodeURIComponent(sessionId)), { token });
      } catch (error) {
        if (error instanceof BackendError && error.status === 404 && error.code === ERROR_CODES.notFound) return null;
        throw error;
      }
    },
    /** `null` when the backend has no Ably configured: the caller polls instead. */
    async realtimeTokenRequest(token: string): Promise<RealtimeTokenRequest | null> {
      try {
        return await call(realtimeTokenRequestSchema, 'GET', API_PATHS.realtimeToken, { token });
      } catch (error) {
        if (error instanceof BackendError && error.status === 404 && error.code === ERROR_CODES.notConfigured) return null;
        throw error;
      }
    },
  };
}
