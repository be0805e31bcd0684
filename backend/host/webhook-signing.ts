import { Webhook } from 'standardwebhooks';

/** Standard Webhooks headers, lower-case as HTTP carries them. */
export type WebhookHeaders = { 'webhook-id': string; 'webhook-timestamp': string; 'webhook-signature': string };

export type WebhookSigning = {
  /** True when any configured secret signed `payload` and the timestamp is within 5 minutes of now. */
  verify(payload: string, headers: WebhookHeaders): boolean;
  /** Headers for one delivery attempt: signed with every secret, so a host mid-rotation accepts either. */
  headersFor(webhookId: string, payload: string, at?: Date): WebhookHeaders;
};

/**
 * Signs and verifies with the `standardwebhooks` reference implementation (HMAC-SHA256 over
 * `id.timestamp.payload`, `v1,<base64>` signatures, 5-minute tolerance). `secrets`: `whsec_…`, newest first.
 */
export function createWebhookSigning(secrets: string[]): WebhookSigning {
  const webhooks = secrets.map((secret) => new Webhook(secret));
  return {
    verify(payload, headers) {
      return webhooks.some((webhook) => {
        try {
          webhook.verify(payload, headers);
          return true;
        } catch {
          return false;
        }
      });
    },
    headersFor(webhookId, payload, at = new Date()) {
      return {
        'webhook-id': webhookId,
        'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
        'webhook-signature': webhooks.map((webhook) => webhook.sign(webhookId, at, payload)).join(' '),
      };
    },
  };
}
