import { createAdminService, type AdminService } from '../../backend/admin/service.ts';
import { openDatabase, type DatabaseHandle } from '../../backend/db/client.ts';
import { createHostEventOutbox } from '../../backend/host/host-event-outbox.ts';
import { startJobQueue, type JobQueue } from '../../backend/jobs/job-queue.ts';
import { createMemoryLogger } from '../../backend/logger.ts';
import { createRealtimeOutbox } from '../../backend/realtime/outbox.ts';
import { createSessionViews } from '../../backend/sessions/session-views.ts';
import { memoryPglite } from './pglite-template.ts';
import { createScratchDatabase } from './postgres.ts';

export type AdminWorld = {
  database: DatabaseHandle;
  queue: JobQueue;
  admin: AdminService;
  /** What the job queue logged (JSON lines). */
  logs: string[];
  close(): Promise<void>;
};

/**
 * The admin service on a fresh database — embedded PGlite in memory, or a scratch database on the test Postgres
 * server — with no outside integration (no realtime, no host events) and DEFAULT_PHONE_REGION US.
 */
export async function openAdminWorld(kind: 'pglite' | 'postgres'): Promise<AdminWorld> {
  const scratch = kind === 'postgres' ? await createScratchDatabase() : undefined;
  const database = await openDatabase(scratch ? { kind: 'postgres', url: scratch.url } : await memoryPglite());
  const { logger, lines } = createMemoryLogger();
  // Retries at once and short polls, so a job exhausts its retries in about a second.
  const queue = await startJobQueue(database, logger, { pollingIntervalSeconds: 0.5, retryDelaySeconds: 0 });
  const admin = createAdminService({
    db: database.db,
    queue,
    deadLetters: queue.deadLetters,
    realtime: createRealtimeOutbox(queue, false),
    hostEvents: createHostEventOutbox(queue, false),
    views: createSessionViews(database.db),
    defaultPhoneRegion: 'US',
  });
  return {
    database,
    queue,
    admin,
    logs: lines,
    async close() {
      await queue.stop();
      await database.close();
      await scratch?.drop();
    },
  };
}
