import type { AblyMessage } from './ably-messages.ts';
import { allows, type AblyErrorInfo, type Capability } from './ably-tokens.ts';

// The wire side of Ably's realtime protocol (JSON format), as ably-js reads it.

/** Protocol message actions (ably-js `actions`). */
export const ACTIONS = {
  HEARTBEAT: 0,
  ACK: 1,
  NACK: 2,
  CONNECTED: 4,
  DISCONNECT: 5,
  DISCONNECTED: 6,
  CLOSE: 7,
  CLOSED: 8,
  ERROR: 9,
  ATTACH: 10,
  ATTACHED: 11,
  DETACH: 12,
  DETACHED: 13,
  PRESENCE: 14,
  MESSAGE: 15,
  AUTH: 17,
} as const;

/** ATTACHED flags: RESUMED, and the channel modes the capability grants. */
export const FLAGS = { RESUMED: 1 << 2, PRESENCE: 1 << 16, PUBLISH: 1 << 17, SUBSCRIBE: 1 << 18, PRESENCE_SUBSCRIBE: 1 << 19 };

/** How long a dropped connection can be resumed (Ably's default). */
export const CONNECTION_STATE_TTL_MS = 120_000;
/** An ErrorInfo as it travels in a protocol message. */
export const errorFrame = (error: AblyErrorInfo) => ({ ...error, href: `https://help.ably.io/error/${error.code}` });

/** The channel modes `capability` grants on `channel`, as ATTACHED flags. */
export function modeFlags(capability: Capability, channel: string): number {
  return (
    (allows(capability, channel, 'subscribe') ? FLAGS.SUBSCRIBE : 0) |
    (allows(capability, channel, 'publish') ? FLAGS.PUBLISH : 0) |
    (allows(capability, channel, 'presence') ? FLAGS.PRESENCE | FLAGS.PRESENCE_SUBSCRIBE : 0)
  );
}

/** A stored message as JSON-protocol wire data: objects as JSON text (`json`), binary as base64 (`base64`). */
export function toWire(message: AblyMessage): Record<string, unknown> {
  const { data, encoding } = message;
  const [wireData, step] = Buffer.isBuffer(data)
    ? [data.toString('base64'), 'base64']
    : typeof data === 'object' && data !== null
      ? [JSON.stringify(data), 'json']
      : [data, undefined];
  const chain = [encoding, step].filter(Boolean).join('/');
  return {
    id: message.id,
    ...(message.name !== undefined ? { name: message.name } : {}),
    ...(wireData !== undefined ? { data: wireData } : {}),
    ...(chain ? { encoding: chain } : {}),
    ...(message.clientId ? { clientId: message.clientId } : {}),
    ...(message.extras !== undefined ? { extras: message.extras } : {}),
    timestamp: message.receivedAt,
  };
}
