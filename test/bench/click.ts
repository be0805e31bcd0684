import { hc } from 'hono/client';
import type { AppType } from '../../backend/app.ts';
import type { CreateMeetLinkResponse } from '../../shared/index.ts';

export type ClickResult = { ms: number; ok: boolean; status: number; body: Partial<CreateMeetLinkResponse> & { error?: unknown } };

/**
 * One click on "Start Google Meet" as the extension's background makes it: `POST /api/meet/links` through Hono's
 * client typed by the backend's routes (the sequential baseline serves the same route), timed from sending the
 * request to having the whole JSON answer. `ok` only for a new Calendar link (not existing, no fallback).
 */
export async function click(baseUrl: string, token: string, sessionId: string): Promise<ClickResult> {
  const links = hc<AppType>(baseUrl).api.meet.links;
  const started = performance.now();
  const response = await links.$post({ json: { sessionId } }, { headers: { authorization: `Bearer ${token}` } });
  const body = (await response.json().catch(() => ({}))) as ClickResult['body'];
  const ms = performance.now() - started;
  const ok = response.status === 200 && body.success === true && body.isExisting === false && body.usedFallback === false;
  return { ms, ok, status: response.status, body };
}

export const describeFailure = (result: ClickResult) => `HTTP ${result.status} ${JSON.stringify(result.body).slice(0, 200)}`;
