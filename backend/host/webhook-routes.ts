import { Hono } from 'hono';
import { ERROR_CODES, webhookEnvelopeSchema } from '../../shared/index.ts';
import type { AppEnv } from '../http/app-env.ts';
import { ApiError } from '../http/errors.ts';
import { parseOrThrow } from '../http/validate.ts';
import type { Logger } from '../logger.ts';
import type { HostSync } from './host-sync.ts';
import type { WebhookSigning } from './webhook-signing.ts';

export type HostWebhookDeps = {
  sync: HostSync;
  /** Undefined when SAVVYSOLVE_WEBHOOK_SECRET is unset: events cannot be verified then. */
  signing: WebhookSigning | undefined;
  log: Logger;
};

/**
 * `POST /webhooks/savvysolve`: the SavvySolve app's events, Standard Webhooks signed. 415 before reading a body
 * that is not JSON, 401 for a bad signature or a timestamp over 5 minutes off, 400 naming a bad field (an envelope
 * `timestamp` or `occurredAt` over 5 minutes ahead included), 413 over
 * the body limit (app middleware); 200 `{ received: true, outcome }` otherwise, duplicates and unknown types included.
 */
export const createHostWebhookRoutes = (deps: HostWebhookDeps) =>
  new Hono<AppEnv>().post('/', async (c) => {
    if (!deps.signing)
      throw new ApiError(404, ERROR_CODES.notConfigured, 'SavvySolve webhooks are not configured: set SAVVYSOLVE_WEBHOOK_SECRET.');
    if (!/^application\/json\b/i.test(c.req.header('content-type') ?? ''))
      throw new ApiError(415, ERROR_CODES.unsupportedMediaType, 'Send the event as JSON (Content-Type: application/json).');
    const payload = await c.req.text();
    const headers = {
      'webhook-id': c.req.header('webhook-id') ?? '',
      'webhook-timestamp': c.req.header('webhook-timestamp') ?? '',
      'webhook-signature': c.req.header('webhook-signature') ?? '',
    };
    if (!deps.signing.verify(payload, headers)) {
      deps.log.warn('refused a SavvySolve event: bad signature or timestamp', { requestId: c.get('requestId') });
      throw new ApiError(
        401,
        ERROR_CODES.unauthorized,
        'Invalid webhook signature, or a webhook-timestamp more than 5 minutes from now (Standard Webhooks).',
      );
    }
    if (headers['webhook-id'].length > 255) throw new ApiError(400, ERROR_CODES.invalidRequest, 'webhook-id is longer than 255 characters');
    let json: unknown;
    try {
      json = JSON.parse(payload);
    } catch {
      throw new ApiError(400, ERROR_CODES.invalidRequest, 'The body is not valid JSON.');
    }
    const outcome = await deps.sync.receive(headers['webhook-id'], parseOrThrow(webhookEnvelopeSchema, json));
    return c.json({ received: true, outcome });
  });
