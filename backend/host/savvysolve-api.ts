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

export type SavvySolveApiOptions = { url: string; token?: string; timeoutMs?: number; fetch?: typeof fetch; maxBodyBytes?: number };

/** The largest answer read: a session is well under 1 KiB, so more is a broken or hostile app. */
export const MAX_SESSION_BODY_BYTES = 64 * 1024;

/**
 * The body as text, reading no more than `maxBytes` (a declared Content-Length over it is refused unread).
 * @throws HostApiError when it is larger.
 */
async function readCapped(response: Response, maxBytes: number): Promise<string> {
  const tooLarge = () => new HostApiError(`its answer is larger than ${maxBytes / 1024} KiB`);
  if (Number(response.headers.get('content-length')) > maxBytes) {
    await response.body?.cancel();
    throw tooLarge();
  }
  if (!response.body) return '';
  const chunks: Uint8Array[] = [];
  let total = 0;
  for await (const chunk of response.body) {
    total += chunk.byteLength;
    if (total > maxBytes) {
      await response.body.cancel().catch(() => undefined);
      throw tooLarge();
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

const parseJson = (text: string): unknown => {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
};

const isRedirectRefusal = (error: unknown) =>
  error instanceof TypeError && /redirect/i.test(String((error.cause as Error | undefined)?.message ?? error.message));

/**
 * Asks the SavvySolve app about a session the webhooks missed (SAVVYSOLVE_API_URL, SAVVYSOLVE_API_TOKEN): 3 s at
 * most, no redirect followed (one would carry the token elsewhere), at most 64 KiB read.
 */
export function createSavvySolveApi({
  url,
  token,
  timeoutMs = 3_000,
  fetch: fetchImpl = fetch,
  maxBodyBytes = MAX_SESSION_BODY_BYTES,
}: SavvySolveApiOptions): SavvySolveApi {
  return {
    async getSession(sessionId) {
      let response: Response;
      try {
        response = await fetchImpl(`${url}/sessions/${encodeURIComponent(sessionId)}`, {
          headers: { accept: 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
          signal: AbortSignal.timeout(timeoutMs),
          redirect: 'error',
        });
      } catch (error) {
        const timedOut = error instanceof Error && error.name === 'TimeoutError';
        if (isRedirectRefusal(error)) throw new HostApiError('it answered with a redirect, which is not followed');
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
      let text: string;
      try {
        text = await readCapped(response, maxBodyBytes);
      } catch (error) {
        if (error instanceof HostApiError) throw error;
        const timedOut = error instanceof Error && error.name === 'TimeoutError';
        throw new HostApiError(timedOut ? `it did not answer within ${timeoutMs / 1000} s` : 'its answer broke off');
      }
      const parsed = sessionUpsertedSchema.safeParse(parseJson(text));
      if (!parsed.success) throw new HostApiError(`its answer is not a session (${parsed.error.issues[0]?.path.join('.') || 'body'})`);
      if (parsed.data.sessionId !== sessionId.toLowerCase()) throw new HostApiError('it answered with another session');
      return parsed.data;
    },
  };
}
