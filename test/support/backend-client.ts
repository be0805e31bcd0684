import { hc } from 'hono/client';
import { testClient } from 'hono/testing';
import type { AppType } from '../../backend/app.ts';
import type { CreateSessionRequest, CreateSolverRequest } from '../../shared/index.ts';

export type ApiResult<T = any> = { status: number; body: T; headers: Headers };

/**
 * A tiny HTTP client for tests: real requests to a running backend. The helpers go through Hono's `hc<AppType>`,
 * typed from the backend's routes, so a renamed route or field fails `npm run typecheck`; `call` sends anything
 * (the abuse tests need malformed requests).
 */
export function backendClient(baseUrl: string, adminToken: string) {
  return clientOver(hc<AppType>(baseUrl), (path, init) => fetch(`${baseUrl}${path}`, init), adminToken);
}

/**
 * The same client calling `app` in-process through Hono's `testClient(app)` / `app.request()`: no port, no socket.
 * For route tests that need no real server (the client's address is then `unknown`).
 */
export function inProcessClient(app: AppType, adminToken: string) {
  return clientOver(testClient(app), (path, init) => app.request(path, init), adminToken);
}

function clientOver(
  typed: ReturnType<typeof hc<AppType>>,
  send: (path: string, init: RequestInit) => Promise<Response> | Response,
  adminToken: string,
) {
  const admin = { headers: { authorization: `Bearer ${adminToken}` } };
  const statusOf = async <T>(response: Response, status: number, what: string): Promise<T> => {
    const text = await response.text();
    if (response.status !== status) throw new Error(`${what}: expected ${status}, got ${response.status} ${text}`);
    return JSON.parse(text) as T;
  };

  async function call<T = any>(
    method: string,
    path: string,
    options: { json?: unknown; token?: string; rawBody?: string; headers?: Record<string, string> } = {},
  ): Promise<ApiResult<T>> {
    const headers: Record<string, string> = { ...options.headers };
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    if (options.json !== undefined) headers['content-type'] ??= 'application/json';
    const response = await send(path, {
      method,
      headers,
      body: options.rawBody ?? (options.json !== undefined ? JSON.stringify(options.json) : undefined),
    });
    const text = await response.text();
    let body: unknown = text;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      // not JSON: keep the text
    }
    return { status: response.status, body: body as T, headers: response.headers };
  }

  return {
    call,
    async createSolver(input: CreateSolverRequest): Promise<string> {
      return (await statusOf<{ id: string }>(await typed.api.admin.solvers.$post({ json: input }, admin), 201, 'create solver')).id;
    },
    async createSession(input: CreateSessionRequest): Promise<string> {
      return (await statusOf<{ id: string }>(await typed.api.admin.sessions.$post({ json: input }, admin), 201, 'create session')).id;
    },
    async signIn(googleAccessToken: string): Promise<string> {
      return (await statusOf<{ token: string }>(await typed.api.auth.session.$post({ json: { googleAccessToken } }), 200, 'sign in')).token;
    },
    adminSession: (id: string) => call('GET', typed.api.admin.sessions[':id'].$url({ param: { id } }).pathname, { token: adminToken }),
  };
}

export type BackendClient = ReturnType<typeof backendClient>;
