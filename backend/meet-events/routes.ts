import { Hono } from 'hono';
import { ERROR_CODES } from '../../shared/index.ts';
import type { AppEnv } from '../http/app-env.ts';
import { ApiError } from '../http/errors.ts';
import { parseOrThrow } from '../http/validate.ts';
import type { Logger } from '../logger.ts';
import type { MeetEventOutcome, MeetEventService } from './meet-event-service.ts';
import { lifecycleEventOf, meetEventOf, pushEnvelopeSchema, type LifecycleEvent } from './push-envelope.ts';
import { PushCertificatesUnavailable, type PushTokenVerifier } from './push-token.ts';

export type MeetEventRouteDeps = {
  /** Undefined unless MEET_ATTENDANCE_SOURCE=events. */
  events:
    | {
        verify: PushTokenVerifier;
        service: MeetEventService;
        /** Applies a subscription lifecycle event (renews, records, remakes; never throws); undefined: they are ignored. */
        lifecycle?: (event: LifecycleEvent) => Promise<boolean>;
        onApplied: () => void;
      }
    | undefined;
  log: Logger;
};

/**
 * `POST /webhooks/google/meet-events`: Meet events pushed by Pub/Sub. 404 when events are off; 401 (nothing read
 * further) for a missing or bad push token; 400 for a malformed envelope; 503 when Google's certificates or the Meet
 * API cannot be reached now (Pub/Sub redelivers); 204 once applied, or ignored as a duplicate, unknown or stale.
 */
export const createMeetEventRoutes = (deps: MeetEventRouteDeps) =>
  new Hono<AppEnv>().post('/', async (c) => {
    const events = deps.events;
    if (!events) throw new ApiError(404, ERROR_CODES.notConfigured, 'Meet events are off: set MEET_ATTENDANCE_SOURCE=events.');
    let refusal: string | undefined;
    try {
      refusal = await events.verify(c.req.header('authorization'));
    } catch (error) {
      if (!(error instanceof PushCertificatesUnavailable)) throw error;
      deps.log.warn('Meet event push: Google certificates unavailable', { requestId: c.get('requestId') });
      throw new ApiError(503, ERROR_CODES.upstreamUnavailable, 'Google certificates are unavailable; retry later.');
    }
    if (refusal) {
      deps.log.warn('refused a Meet event push', { requestId: c.get('requestId'), reason: refusal });
      throw new ApiError(401, ERROR_CODES.unauthorized, 'Invalid or missing Pub/Sub push token.');
    }
    const envelope = parseOrThrow(pushEnvelopeSchema, await c.req.json().catch(() => undefined));
    let event;
    let lifecycle;
    try {
      event = meetEventOf(envelope);
      lifecycle = lifecycleEventOf(envelope);
    } catch (error) {
      throw new ApiError(400, ERROR_CODES.invalidRequest, (error as Error).message);
    }
    if (lifecycle) {
      const changed = (await events.lifecycle?.(lifecycle)) ?? false;
      deps.log.info('Meet events subscription lifecycle', { type: lifecycle.type, changed });
      return c.body(null, 204);
    }
    let outcome: MeetEventOutcome | 'ignored_type' = 'ignored_type';
    if (event) {
      try {
        outcome = await events.service.apply(event);
      } catch (error) {
        deps.log.warn('Meet event not applied yet', { requestId: c.get('requestId'), kind: (error as { kind?: string }).kind });
        throw new ApiError(503, ERROR_CODES.upstreamUnavailable, 'Google Meet could not be read; retry later.');
      }
    }
    if (outcome === 'applied') events.onApplied();
    deps.log.info('Meet event', { type: event?.type ?? envelope.message.attributes['ce-type'], outcome });
    return c.body(null, 204);
  });
