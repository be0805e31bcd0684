import { randomUUID } from 'node:crypto';
import twilio from 'twilio';

/** A status callback the emulator sent (or tried to), and how the receiver answered. */
export type StatusCallbackResult = {
  url: string;
  params: Record<string, string>;
  signature: string;
  sentAt: number;
  responseStatus?: number;
  error?: string;
};

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

/**
 * POSTs a form-encoded status callback signed like Twilio's (`X-Twilio-Signature`); never throws, never leaves the
 * machine (non-loopback URLs are refused and recorded as such).
 */
export async function postStatusCallback(url: string, params: Record<string, string>, authToken: string): Promise<StatusCallbackResult> {
  const signature = twilio.getExpectedTwilioSignature(authToken, url, params);
  const result: StatusCallbackResult = { url, params, signature, sentAt: Date.now() };
  try {
    if (!LOOPBACK_HOSTS.has(new URL(url).hostname)) return { ...result, error: 'refused: the emulator only calls loopback URLs' };
    const response = await fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        'x-twilio-signature': signature,
        'i-twilio-idempotency-token': randomUUID(),
        'user-agent': 'TwilioProxy/1.1',
      },
      body: new URLSearchParams(params),
      signal: AbortSignal.timeout(5_000),
    });
    await response.body?.cancel();
    return { ...result, responseStatus: response.status };
  } catch (error) {
    return { ...result, error: (error as Error).message };
  }
}
