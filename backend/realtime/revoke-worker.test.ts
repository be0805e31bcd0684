import { describe, expect, it } from 'vitest';
import { createMemoryLogger } from '../logger.ts';
import { RevocationNotEnabledError } from './ably-publisher.ts';
import { createRevokeWorker } from './revoke-worker.ts';

const context = { attempt: 1, isLastAttempt: false };

describe('realtime revoke worker', () => {
  it('revokes by client id', async () => {
    const revoked: string[] = [];
    const { logger } = createMemoryLogger();
    await createRevokeWorker({ revokeClient: async (clientId) => void revoked.push(clientId) }, logger)({ clientId: 'solver:1' }, context);
    expect(revoked).toEqual(['solver:1']);
  });

  it('fails (to be retried) on an outage, but completes with a warning when the key has no revocable tokens', async () => {
    const { logger, lines } = createMemoryLogger();
    const down = createRevokeWorker({ revokeClient: async () => Promise.reject(new Error('ECONNREFUSED')) }, logger);
    await expect(down({ clientId: 'solver:1' }, context)).rejects.toThrow('ECONNREFUSED');
    const fixedKey = createRevokeWorker({ revokeClient: async () => Promise.reject(new RevocationNotEnabledError()) }, logger);
    await expect(fixedKey({ clientId: 'solver:1' }, context)).resolves.toBeUndefined();
    expect(lines.some((line) => line.includes('they end at their 10-minute TTL'))).toBe(true);
  });
});
