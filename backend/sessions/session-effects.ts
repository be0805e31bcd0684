import type { HostEventOutbox } from '../host/host-event-outbox.ts';
import type { JobName, JobQueue } from '../jobs/job-queue.ts';
import type { RealtimeOutbox } from '../realtime/outbox.ts';

/** The outboxes a change to a session writes to, inside its transaction. */
export type SessionEffects = { queue: JobQueue; realtime: RealtimeOutbox; hostEvents: HostEventOutbox };

/** Queues a session change may fill: wake them after the commit. */
export const SESSION_CHANGE_JOBS: JobName[] = [
  'calendar.end-event',
  'realtime.publish',
  'host.deliver',
  'meet.space-retire',
  'meet.attendance-poll',
];
