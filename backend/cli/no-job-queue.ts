import type { DeadLetters, JobQueue } from '../jobs/job-queue.ts';

/**
 * The job queue for a command that only reads (backend/cli/admin-commands.ts `needsJobQueue`): pg-boss is not
 * started, which saves ~0.2 s of every such command. Any use throws, so a command that starts writing jobs fails
 * loudly in its tests instead of dropping them.
 */
export function noJobQueue(command: string): JobQueue & { deadLetters: DeadLetters } {
  const refuse = (): never => {
    throw new Error(`"${command}" runs without the job queue, but used it: add it to the commands that need one`);
  };
  return {
    enqueue: async () => refuse(),
    work: async () => refuse(),
    schedule: async () => refuse(),
    wake: refuse,
    deadLetters: { list: async () => refuse(), retry: async () => refuse() },
    stop: async () => {},
  };
}
