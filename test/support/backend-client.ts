import type { AuthSession, CreateSessionRequest, CreateSolverRequest } from '../../shared/index.ts';

export type ApiResult<T = any> = { status: number; body: T; headers: Headers };

/** A tiny HTTP client for tests: real requests to a running backend. */
export function backendClient(baseUrl: string, adminToken: string) {
  async function call<T = any>(
    method: string,
    path: string,
    options: { json?: unknown; token?: string; rawBody?: string; headers?: Record<string, string> } = {},
  ): Promise<ApiResult<T>> {
    const headers: Record<string, string> = { ...options.headers };
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    if (options.json !== undefined) headers['content-type'] ??= 'application/json';
    const response = await fetch(`${baseUrl}${path}`, {
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

  const expectStatus = <T>(result: ApiResult<T>, status: number, what: string) => {
    if (result.status !== status) throw new Error(`${what}: expected ${status}, got ${result.status} ${JSON.stringify(result.body)}`);
    return result.body;
  };

  return {
    call,
    async createSolver(input: CreateSolverRequest): Promise<string> {
      const body = expectStatus(
        await call<{ id: string }>('POST', '/api/admin/solvers', { json: input, token: adminToken }),
        201,
        'create solver',
      );
      return body.id;
    },
    async createSession(input: CreateSessionRequest): Promise<string> {
      const body = expectStatus(
        await call<{ id: string }>('POST', '/api/admin/sessions', { json: input, token: adminToken }),
        201,
        'create session',
      );
      return body.id;
    },
    async signIn(googleAccessToken: string): Promise<string> {
      const body = expectStatus(await call<AuthSession>('POST', '/api/auth/session', { json: { googleAccessToken } }), 200, 'sign in');
      return body.token;
    },
    adminSession: (id: string) => call('GET', `/api/admin/sessions/${id}`, { token: adminToken }),
  };
}

export type BackendClient = ReturnType<typeof backendClient>;
