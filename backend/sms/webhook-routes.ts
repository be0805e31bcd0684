import { Hono } from 'hono';
import twilio from 'twilio';
import { ERROR_CODES } from '../../shared/index.ts';
import type { AppEnv } from '../http/app-env.ts';
import { ApiError } from '../http/errors.ts';
import type { Logger } from '../logger.ts';
import type { StatusCallback } from './delivery-status.ts';

export const TWILIO_STATUS_PATH = '/webhooks/twilio/status';

export type TwilioWebhookDeps = {
  /** Moves a delivery's state forward (backend/sms/delivery-status.ts); true when anything changed. */
  applyStatus: (callback: StatusCallback) => Promise<boolean>;
  log: Logger;
  /** Undefined when Twilio or PUBLIC_BASE_URL is not configured: callbacks cannot be verified then. */
  verification: { authToken: string; publicBaseUrl: string } | undefined;
};

/**
 * Twilio status callbacks: a form body only (415 otherwise), signature checked against PUBLIC_BASE_URL (403), then
 * the delivery state moves forward (204).
 */
export const createTwilioWebhookRoutes = (deps: TwilioWebhookDeps) =>
  new Hono<AppEnv>().post('/status', async (c) => {
    if (!deps.verification)
      throw new ApiError(404, ERROR_CODES.notConfigured, 'Twilio status callbacks need TWILIO_* and PUBLIC_BASE_URL.');
    // The signature covers form fields only: refuse any other body (multipart, JSON) before parsing it.
    if (!/^application\/x-www-form-urlencoded\s*(;|$)/i.test(c.req.header('content-type') ?? '')) {
      throw new ApiError(415, ERROR_CODES.unsupportedMediaType, 'Twilio status callbacks must be application/x-www-form-urlencoded.');
    }
    const form = await c.req.parseBody();
    const params = Object.fromEntries(Object.entries(form).filter((entry): entry is [string, string] => typeof entry[1] === 'string'));
    const url = `${deps.verification.publicBaseUrl}${new URL(c.req.url).pathname}${new URL(c.req.url).search}`;
    const signature = c.req.header('x-twilio-signature') ?? '';
    if (!signature || !twilio.validateRequest(deps.verification.authToken, signature, url, params)) {
      deps.log.warn('rejected a Twilio callback with a bad signature', { path: c.req.path });
      throw new ApiError(403, ERROR_CODES.forbidden, 'Invalid Twilio signature.');
    }
    if (!params.MessageSid || !params.MessageStatus)
      throw new ApiError(400, ERROR_CODES.invalidRequest, 'MessageSid and MessageStatus are required.');
    const changed = await deps.applyStatus({
      messageSid: params.MessageSid,
      messageStatus: params.MessageStatus,
      errorCode: params.ErrorCode,
    });
    deps.log.info('twilio status callback', { sid: params.MessageSid, status: params.MessageStatus, changed });
    return c.body(null, 204);
  });
