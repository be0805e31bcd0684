import type { Database } from '../db/client.ts';
import type { Config } from '../env.ts';
import type { HostEventOutbox } from '../host/host-event-outbox.ts';
import type { JobQueue } from '../jobs/job-queue.ts';
import type { Logger } from '../logger.ts';
import type { RealtimeOutbox } from '../realtime/outbox.ts';
import { applyTwilioStatus, type CarrierRetryOptions } from './delivery-status.ts';
import { createSmsOutbox } from './sms-outbox.ts';
import { createSmsWorker } from './sms-worker.ts';
import { createTwilioSender } from './twilio-sender.ts';
import { TWILIO_STATUS_PATH, type TwilioWebhookDeps } from './webhook-routes.ts';

export type SmsFeatureDeps = {
  config: Pick<Config, 'twilio' | 'publicBaseUrl'>;
  db: Database;
  queue: JobQueue;
  realtime: RealtimeOutbox;
  hostEvents: HostEventOutbox;
  log: Logger;
  /** Tests shorten the wait before a carrier retry. */
  carrierRetry?: CarrierRetryOptions;
};

/**
 * The customer SMS, wired once for backend/start.ts: the outbox other features queue texts with, the `sms.send`
 * worker (`work()`, on instances that run jobs), and the Twilio status-callback route's dependencies.
 */
export function createSmsFeature({ config, db, queue, realtime, hostEvents, log, carrierRetry }: SmsFeatureDeps) {
  const effects = { realtime, hostEvents, queue, log };
  const twilioWebhook: TwilioWebhookDeps = {
    applyStatus: async (callback) => {
      const changed = await applyTwilioStatus(db, effects, callback, carrierRetry);
      // The solver's panel hears of it now, not at the publisher's next poll (up to 2 s).
      if (changed) queue.wake(['realtime.publish', 'host.deliver']);
      return changed;
    },
    log,
    verification:
      config.twilio && config.publicBaseUrl ? { authToken: config.twilio.authToken, publicBaseUrl: config.publicBaseUrl } : undefined,
  };
  return {
    outbox: createSmsOutbox(queue, Boolean(config.twilio)),
    twilioWebhook,
    /** Starts the `sms.send` worker in this process (nothing when Twilio is not configured). */
    async work() {
      if (!config.twilio) return;
      const statusCallbackUrl = config.publicBaseUrl ? `${config.publicBaseUrl}${TWILIO_STATUS_PATH}` : undefined;
      const sender = createTwilioSender(config.twilio);
      await queue.work('sms.send', createSmsWorker({ db, sender, ...effects, statusCallbackUrl, carrierRetry }));
    },
  };
}
