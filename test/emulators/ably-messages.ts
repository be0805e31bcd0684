/** A message as the Ably emulator stored it, with its data decoded. */
export type AblyMessage = {
  channel: string;
  id: string;
  name?: string;
  /** Decoded data: objects for `json`, Buffers for binary, strings otherwise. */
  data: unknown;
  /** What remains of the encoding chain after decoding (e.g. a cipher), if anything. */
  encoding?: string;
  clientId?: string;
  extras?: unknown;
  receivedAt: number;
};

type WireMessage = { id?: unknown; name?: unknown; data?: unknown; encoding?: unknown; clientId?: unknown; extras?: unknown };

/** The messages of a publish body (one message or an array); undefined when it is neither. */
export function wireMessages(body: unknown): WireMessage[] | undefined {
  const list = Array.isArray(body) ? body : [body];
  return list.length > 0 && list.every((entry) => typeof entry === 'object' && entry !== null && !Array.isArray(entry))
    ? (list as WireMessage[])
    : undefined;
}

/** Undoes the encoding chain from its end (`json`, `base64`, `utf-8`), stopping at a step it does not know. */
export function decodeData(data: unknown, encoding: string | undefined): { data: unknown; encoding?: string } {
  const steps = encoding ? encoding.split('/') : [];
  let value = data;
  while (steps.length > 0) {
    const step = steps[steps.length - 1];
    if (step === 'json') value = JSON.parse(Buffer.isBuffer(value) ? value.toString('utf8') : String(value));
    else if (step === 'base64') value = Buffer.from(String(value), 'base64');
    else if (step === 'utf-8') value = Buffer.isBuffer(value) ? value.toString('utf8') : value;
    else break;
    steps.pop();
  }
  return steps.length > 0 ? { data: value, encoding: steps.join('/') } : { data: value };
}

/** Ably detects a repeated message id only within 2 minutes of the first publish; later it is a new message. */
export const IDEMPOTENCY_WINDOW_MS = 2 * 60 * 1000;

/**
 * Stores the wire messages of one publish; an id stored on the channel less than 2 minutes ago is accepted but not
 * stored again (idempotent publishing), as Ably does.
 */
export function acceptMessages(
  channel: string,
  wire: WireMessage[],
  stored: AblyMessage[],
  idBase: string,
  now = Date.now(),
): AblyMessage[] {
  const accepted: AblyMessage[] = [];
  wire.forEach((message, index) => {
    const id = typeof message.id === 'string' ? message.id : `${idBase}:${index}`;
    const seen = (entry: AblyMessage) => entry.channel === channel && entry.id === id && now - entry.receivedAt < IDEMPOTENCY_WINDOW_MS;
    if (stored.some(seen)) return;
    accepted.push({
      channel,
      id,
      ...(typeof message.name === 'string' ? { name: message.name } : {}),
      ...decodeData(message.data, typeof message.encoding === 'string' ? message.encoding : undefined),
      ...(typeof message.clientId === 'string' ? { clientId: message.clientId } : {}),
      ...(message.extras !== undefined ? { extras: message.extras } : {}),
      receivedAt: now,
    });
  });
  return accepted;
}
