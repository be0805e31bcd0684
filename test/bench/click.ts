import type { CreateMeetLinkResponse } from '../../shared/index.ts';

export type ClickResult = { ms: number; ok: boolean; status: number; body: Partial<CreateMeetLinkResponse> & { error?: unknown } };

/**
 * One click on "Start Google Meet" as the extension's background makes it: `POST /api/meet/links`, timed from
 * sending the request to having the whole JSON answer. `ok` only for a new Calendar link (not existing, no fallback).
 */
export async function click(baseUrl: string, token: string, sessionId: string): Promise<ClickResult> {
  const started = performance.now();
  const response = await fetch(`${baseUrl}/api/meet/links`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ sessionId }),
  });
  const body = (await response.json().catch(() => ({}))) as ClickResult['body'];
  const ms = performance.now() - started;
  const ok = response.status === 200 && body.success === true && body.isExisting === false && body.usedFallback === false;
  return { ms, ok, status: response.status, body };
}

export const describeFailure = (result: ClickResult) => `HTTP ${result.status} ${JSON.stringify(result.body).slice(0, 200)}`;
