import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAblyEmulator, type AblyEmulator } from '../../test/emulators/ably-emulator.ts';
import type { JobPayloads } from '../jobs/job-queue.ts';
import { createMemoryLogger } from '../logger.ts';
import { createAblyPublisher } from './ably-publisher.ts';
import { createRealtimeOutbox } from './outbox.ts';
import { createPublishWorker } from './publish-worker.ts';

const KEY = 'emu.test:secret';
let ably: AblyEmulator;

beforeAll(async () => {
  ably = await startAblyEmulator({ key: KEY });
});
afterAll(() => ably.close());

/** The payloads the outbox queues, captured instead of going to pg-boss. */
async function queuedMessages() {
  const queued: JobPayloads['realtime.publish'][] = [];
  const queue = { enqueue: async (_tx: unknown, _name: string, data: JobPayloads['realtime.publish']) => void queued.push(data) };
  const outbox = createRealtimeOutbox(queue as never, true);
  await outbox.meetLinkMessage({} as never, { sessionId: 's-1', solverName: 'Sam', meetLink: 'https://meet.google.com/abc-defg-hij' });
  await outbox.meetLinkMessage({} as never, { sessionId: 's-1', solverName: 'Sam', meetLink: 'https://meet.google.com/abc-defg-hij' });
  await outbox.sessionUpdated({} as never, { solverId: 'solver-1', sessionId: 's-1' });
  return queued;
}

describe('realtime publish worker against the Ably emulator', () => {
  it('gives every queued message its own id in Ably’s <base>:0 form', async () => {
    const ids = (await queuedMessages()).map((message) => message.id);
    expect(ids.every((id) => /^[0-9a-f-]{36}:0$/.test(id ?? ''))).toBe(true);
    expect(new Set(ids).size).toBe(3);
  });

  it('publishes a job run twice (an instance died before completing it) as one message', async () => {
    const [message] = await queuedMessages();
    const { logger } = createMemoryLogger();
    const worker = createPublishWorker(createAblyPublisher({ apiKey: KEY, restUrl: ably.url }), logger);
    await worker(message!, { attempt: 1, isLastAttempt: false });
    await worker(message!, { attempt: 2, isLastAttempt: false });
    expect(ably.requests('publish').filter((request) => request.path.includes('session%3As-1'))).toHaveLength(2);
    expect(ably.messages(message!.channel)).toMatchObject([{ id: message!.id, name: message!.name, data: message!.data }]);
  });
});
