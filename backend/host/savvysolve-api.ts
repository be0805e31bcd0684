import { sessionUpsertedSchema, type SessionUpserted } from '../../shared/index.ts';

/** The SavvySolve app could not tell us (down, slow, or an answer we cannot read); nothing was stored. */
export class HostApiError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'HostApiError';
  }
}

export type SavvySolveApi = {
  /**
   * `GET {url}/sessions/{id}` with the bearer token: the session (same shape as `session.upserted`'s data), or
   * undefined when the app answers 404.
   * @throws HostApiError on a timeout, a network error, another status, or an answer that is not a valid session.
   */
  getSession(sessionId: string): Promise<SessionUpserted | undefined>;
};

export type SavvySolveApiOptions = { url: string; token?: string; timeoutMs?: number; fetch?: typeof fetch };

/** Asks the SavvySolve app about a session the webhooks missed (SAVVYSOLVE_API_URL, SAVVYSOLVE_API_TOKEN). */
export function createSavvySolveApi({ url, token, timeoutMs = 3_000, fetch: fetchImpl = fetch }: SavvySolveApiOptions): SavvySolveApi {
  return {
    async getSession(sessionId) {
      let response: Response;
      try {
        response = await fetchImpl(`${url}/sessions/${encodeURIComponent(sessionId)}`, {
          headers: { accept: 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
          signal: AbortSignal.timeout(timeoutMs),
        });
      } catch (error) {
        const timedOut = error instanceof Error && error.name === 'TimeoutError';
        throw new HostApiError(timedOut ? `it did not answer within ${timeoutMs / 1000} s` : 'it could not be reached');
      }
      if (response.status === 404) {
        await response.body?.cancel();
        return undefined;
      }
      if (!response.ok) {
        await response.body?.cancel();
        throw new HostApiError(`it answered HTTP ${response.status}`);
      }
      const parsed = sessionUpsertedSchema.safeParse(await response.json().catch(() => undefined));
      if (!parsed.success) throw new HostApiError(`its answer is not a session (${parsed.error.issues[0]?.path.join('.') || 'body'})`);
      if (parsed.data.sessionId !== sessionId.toLowerCase()) throw new HostApiError('it answered with another session');
      return parsed.data;
    },
  };
}
