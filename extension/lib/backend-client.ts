import { hc, type ClientRequestOptions, type ClientResponse } from 'hono/client';
import type { z } from 'zod';
// Types only (erased at build): the backend's routes are the contract, so a renamed route or field fails the type
// check here. Nothing of the backend's code reaches the extension.
import type { AppType } from '../../backend/app.ts';
import {
  apiErrorSchema,
  authSessionSchema,
  canUseMeetResponseSchema,
  createMeetLinkResponseSchema,
  ERROR_CODES,
  healthResponseSchema,
  listSessionsResponseSchema,
  realtimeTokenRequestSchema,
  resendSmsResponseSchema,
  sessionSummarySchema,
  type AuthSession,
  type CanUseMeetResponse,
  type CreateMeetLinkResponse,
  type HealthResponse,
  type ListSessionsResponse,
  type RealtimeTokenRequest,
  type ResendSmsResponse,
  type SessionSummary,
} from '../../shared/index.ts';
import { ExtensionError } from './errors.ts';

/** What a solver can do when the backend does not answer. */
export const NETWORK_ADVICE = 'Check the address in Settings, or ask your admin whether it is running.';

export type BackendClientOptions = {
  /** Read on every call, so a new backend URL applies at once. */
  baseUrl: () => string | Promise<string>;
  /**
   * The backend URL that issued a session token (`undefined` when unknown). A token goes only to its issuer: to any
   * other URL the call is refused with 401 (`backend_changed`) before anything is sent. Without it, no check.
   */
  issuerOf?: (token: string) => Promise<string | undefined>;
  fetch?: typeof fetch;
  timeoutMs?: number;
};

export type BackendClient = ReturnType<typeof createBackendClient>;

/** Hono's client typed by the backend's routes. */
type Api = ReturnType<typeof hc<AppType>>;

/**
 * One request through `api`. `Body` is what the route says it answers: it must fit the schema's type, so the
 * backend and the shared contract cannot drift apart unnoticed.
 */
type Send<Body> = (api: Api, request: ClientRequestOptions) => Promise<ClientResponse<Body, number, 'json'>>;

/**
 * The backend's HTTP API, typed by its routes (`hc<AppType>`) and validated with the shared zod schemas at the
 * boundary. Only the background uses it; everything else asks the background through runtime messages. A failed call
 * throws an {@link ExtensionError}: the backend's `{ error: { code, message } }` with the response's status, or `network`
 * (status `0`) when the backend could not be reached.
 */
export function createBackendClient(options: BackendClientOptions) {
  const fetchImpl = options.fetch ?? ((input: RequestInfo | URL, init?: RequestInit) => fetch(input, init));
  const timeoutMs = options.timeoutMs ?? 20_000;

  async function call<T, Body extends T>(
    schema: z.ZodType<T>,
    send: Send<Body>,
    init: { token?: string; acceptStatus?: number; baseUrl?: string } = {},
  ): Promise<T> {
    const base = init.baseUrl ?? (await options.baseUrl());
    if (init.token && options.issuerOf && (await options.issuerOf(init.token)) !== base) {
      throw new ExtensionError('backend_changed', 'The SavvySolve Meet backend address changed: sign in again.', 401);
    }
    // The path actually requested, for the messages (hc joins `base` and the route).
    let path = '';
    const api = hc<AppType>(base, {
      fetch: (input: RequestInfo | URL, requestInit?: RequestInit) => {
        path = String(input).slice(base.replace(/\/+$/, '').length);
        return fetchImpl(input, requestInit);
      },
    });
    let response: Response;
    try {
      response = (await send(api, {
        headers: { accept: 'application/json', ...(init.token ? { authorization: `Bearer ${init.token}` } : {}) },
        init: { signal: AbortSignal.timeout(timeoutMs) },
      })) as unknown as Response;
    } catch (error) {
      const what =
        error instanceof Error && error.name === 'TimeoutError'
          ? `The SavvySolve Meet backend at ${base} didn’t answer in time.`
          : `Can’t reach the SavvySolve Meet backend at ${base}.`;
      throw new ExtensionError('network', `${what} ${NETWORK_ADVICE}`, 0);
    }
    const body: unknown = await response.json().catch(() => undefined);
    if (!response.ok && response.status !== init.acceptStatus) {
      const parsed = apiErrorSchema.safeParse(body);
      if (parsed.success) throw new ExtensionError(parsed.data.error.code, parsed.data.error.message, response.status);
      throw new ExtensionError(ERROR_CODES.internal, `The backend answered HTTP ${response.status}.`, response.status);
    }
    const parsed = schema.safeParse(body);
    if (!parsed.success) {
      throw new ExtensionError('bad_response', `The backend answered ${path} in a shape this extension does not know.`, response.status);
    }
    return parsed.data;
  }

  /** `null` instead of the 404 with this code; any other failure is thrown. */
  async function orNullOn404<T>(code: string, request: Promise<T>): Promise<T | null> {
    try {
      return await request;
    } catch (error) {
      if (error instanceof ExtensionError && error.status === 404 && error.code === code) return null;
      throw error;
    }
  }

  const sessionParam = (sessionId: string) => ({ param: { sessionId: encodeURIComponent(sessionId) } });

  return {
    /** Exchanges a Google access token for a backend session, at `baseUrl` when given (else the configured one). */
    signIn: (googleAccessToken: string, baseUrl?: string): Promise<AuthSession> =>
      call(authSessionSchema, (api, request) => api.api.auth.session.$post({ json: { googleAccessToken } }, request), { baseUrl }),
    canUseMeet: (token: string): Promise<CanUseMeetResponse> =>
      call(canUseMeetResponseSchema, (api, request) => api.api.meet['can-use'].$get(undefined, request), { token }),
    createMeetLink: (token: string, sessionId: string): Promise<CreateMeetLinkResponse> =>
      call(createMeetLinkResponseSchema, (api, request) => api.api.meet.links.$post({ json: { sessionId } }, request), { token }),
    captureMeetLink: (token: string, sessionId: string, meetLink: string): Promise<CreateMeetLinkResponse> =>
      call(
        createMeetLinkResponseSchema,
        (api, request) => api.api.meet.links[':sessionId'].capture.$post({ ...sessionParam(sessionId), json: { meetLink } }, request),
        { token },
      ),
    resendSms: (token: string, sessionId: string): Promise<ResendSmsResponse> =>
      call(resendSmsResponseSchema, (api, request) => api.api.meet.links[':sessionId'].resend.$post(sessionParam(sessionId), request), {
        token,
      }),
    /** `GET /health` (503 still carries the states when the database is down). */
    health: (): Promise<HealthResponse> =>
      call(healthResponseSchema, (api, request) => api.health.$get(undefined, request), { acceptStatus: 503 }),
    listSessions: (token: string): Promise<ListSessionsResponse> =>
      call(listSessionsResponseSchema, (api, request) => api.api.sessions.$get(undefined, request), { token }),
    /**
     * One of the solver's sessions (the backend pulls one it does not know from the SavvySolve app); `null` when
     * there is none — a missing session and another solver's answer the same 404.
     */
    getSession: (token: string, sessionId: string): Promise<SessionSummary | null> =>
      orNullOn404(
        ERROR_CODES.notFound,
        call(sessionSummarySchema, (api, request) => api.api.sessions[':sessionId'].$get(sessionParam(sessionId), request), { token }),
      ),
    /** `null` when the backend has no Ably configured: the caller polls instead. */
    realtimeTokenRequest: (token: string): Promise<RealtimeTokenRequest | null> =>
      orNullOn404(
        ERROR_CODES.notConfigured,
        call(realtimeTokenRequestSchema, (api, request) => api.api.realtime.token.$get(undefined, request), { token }),
      ),
  };
}
