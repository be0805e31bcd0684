import { randomUUID } from 'node:crypto';
import { messageOf, SAVVYSOLVE_WEBHOOK_PATH } from '../../shared/index.ts';
import type { Config } from '../env.ts';
import { createSavvySolveApi } from '../host/savvysolve-api.ts';
import { createWebhookSigning } from '../host/webhook-signing.ts';
import type { CheckResult } from './checks.ts';

type Add = (result: CheckResult) => void;
const ok = (name: string, detail: string): CheckResult => ({ status: 'ok', name, detail });
const warn = (name: string, detail: string, fix: string): CheckResult => ({ status: 'warn', name, detail, fix });
const fail = (name: string, detail: string, fix: string): CheckResult => ({ status: 'fail', name, detail, fix });
const SECRET_FIX = 'The SavvySolve app and this backend must hold the same SAVVYSOLVE_WEBHOOK_SECRET (docs/connecting-savvysolve.md).';

/**
 * The settings `/health` reports on that no other check covers: the session secret, the admin token, and the
 * SavvySolve app's three connections (inbound webhooks, the lazy-pull API, outbound events). The API and the events
 * URL are called for real: a session id nobody has, and one signed `doctor.ping` event. An unset connection is a
 * warning (the product works without it, with the consequence said).
 */
export async function checkAppSettings(config: Config, add: Add): Promise<void> {
  const secrets = config.sessionSecrets.length;
  add(
    secrets === 0
      ? warn(
          'session secret',
          "SESSION_SECRET is unset: a random secret per process, so a restart signs solvers out and instances refuse each other's tokens",
          'Set SESSION_SECRET=$(openssl rand -hex 32), the same on every instance.',
        )
      : ok('session secret', secrets === 1 ? 'set' : `${secrets} secrets: the first signs, all verify (a rotation is under way)`),
  );
  add(
    config.adminApiToken
      ? ok('admin API', 'ADMIN_API_TOKEN set: /api/admin/* is on')
      : warn(
          'admin API',
          'ADMIN_API_TOKEN is unset: /api/admin/* answers 503 (the admin CLI still works)',
          'Set ADMIN_API_TOKEN (16+ characters) where scripts call the admin API.',
        ),
  );
  const webhooks = config.host.webhookSecrets.length;
  add(
    webhooks === 0
      ? warn(
          'SavvySolve webhooks',
          `SAVVYSOLVE_WEBHOOK_SECRET is unset: ${SAVVYSOLVE_WEBHOOK_PATH} answers 404, so sessions reach the backend only through the admin API or CLI`,
          SECRET_FIX,
        )
      : ok(
          'SavvySolve webhooks',
          `${webhooks === 1 ? 'one secret' : `${webhooks} secrets (a rotation)`}; the app posts to ${config.publicBaseUrl ?? '<PUBLIC_BASE_URL>'}${SAVVYSOLVE_WEBHOOK_PATH}`,
        ),
  );
  add(await checkApi(config));
  add(await checkEvents(config));
}

/** GET {SAVVYSOLVE_API_URL}/sessions/{an id nobody has}: 404 means reachable and the token accepted. */
async function checkApi(config: Config): Promise<CheckResult> {
  const api = config.host.api;
  if (!api) {
    return warn(
      'SavvySolve API',
      'SAVVYSOLVE_API_URL is unset: a click on a session the backend has not heard of is refused, not pulled from the app',
      'Set SAVVYSOLVE_API_URL and SAVVYSOLVE_API_TOKEN (docs/connecting-savvysolve.md).',
    );
  }
  try {
    await createSavvySolveApi({ ...api, timeoutMs: 5_000 }).getSession(randomUUID());
    return ok('SavvySolve API', `${api.url} answers; the token is accepted`);
  } catch (error) {
    return fail('SavvySolve API', messageOf(error), 'Check SAVVYSOLVE_API_URL and SAVVYSOLVE_API_TOKEN with the SavvySolve team.');
  }
}

/** POSTs one signed `doctor.ping` to SAVVYSOLVE_EVENTS_URL: a 2xx means reachable and the signature accepted. */
async function checkEvents(config: Config): Promise<CheckResult> {
  const url = config.host.eventsUrl;
  if (!url)
    return warn(
      'SavvySolve events',
      'SAVVYSOLVE_EVENTS_URL is unset: the app is not told of links, SMS states or ends',
      'Set SAVVYSOLVE_EVENTS_URL.',
    );
  const payload = JSON.stringify({ type: 'doctor.ping', timestamp: new Date().toISOString(), data: {} });
  const headers = createWebhookSigning(config.host.webhookSecrets).headersFor(`doctor_${randomUUID()}`, payload);
  try {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: payload,
      signal: AbortSignal.timeout(5_000),
    });
    await response.body?.cancel();
    if (response.ok) return ok('SavvySolve events', `${url} accepted a signed test event (${response.status})`);
    if (response.status === 401 || response.status === 403)
      return fail('SavvySolve events', `${url} refused the signature (${response.status})`, SECRET_FIX);
    return warn(
      'SavvySolve events',
      `${url} answered ${response.status} to a signed doctor.ping event`,
      'If the app refuses unknown event types this is expected; otherwise check the URL with the SavvySolve team.',
    );
  } catch (error) {
    return fail(
      'SavvySolve events',
      `${url} does not answer (${messageOf(error)})`,
      'Check SAVVYSOLVE_EVENTS_URL and that the app is reachable from here.',
    );
  }
}
