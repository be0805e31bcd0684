import {
  DEFAULT_CHANNEL_TEMPLATES,
  REALTIME_EVENTS,
  type ChannelTemplates,
  meetSystemMessageText,
  sessionChannel,
  solverChannel,
  type MeetSystemMessage,
  type SessionUpdated,
} from '../../shared/index.ts';
import { randomUUID } from 'node:crypto';
import type { Transaction } from '../db/client.ts';
import type { JobQueue } from '../jobs/job-queue.ts';

/** Realtime messages, queued in the caller's transaction so they go out if and only if it commits. */
export type RealtimeOutbox = {
  meetLinkMessage(tx: Transaction, input: { sessionId: string; solverName: string; meetLink: string }): Promise<void>;
  sessionUpdated(tx: Transaction, input: { solverId: string; sessionId: string }): Promise<void>;
  /** Revokes the solver's realtime tokens (their live connection ends): a permission was taken away. */
  revokeTokens(tx: Transaction, input: { solverId: string }): Promise<void>;
};

/**
 * Ably's message id for one queued message: `<uuid>:0`, the form Ably requires of client-chosen ids. Fixed at enqueue
 * time, so every attempt of the job publishes the same message and Ably keeps only the first that arrives.
 */
const newMessageId = () => `${randomUUID()}:0`;

/** With Ably unconfigured, nothing is queued. Channel names follow the deployment's templates. */
export function createRealtimeOutbox(
  queue: JobQueue,
  enabled: boolean,
  channels: ChannelTemplates = DEFAULT_CHANNEL_TEMPLATES,
): RealtimeOutbox {
  return {
    async meetLinkMessage(tx, { sessionId, solverName, meetLink }) {
      if (!enabled) return;
      const data: MeetSystemMessage = { type: 'meet_link', sessionId, meetLink, text: meetSystemMessageText(solverName, meetLink) };
      await queue.enqueue(tx, 'realtime.publish', {
        channel: sessionChannel(sessionId, channels.session),
        name: REALTIME_EVENTS.systemMessage,
        data,
        id: newMessageId(),
      });
    },
    async sessionUpdated(tx, { solverId, sessionId }) {
      if (!enabled) return;
      const data: SessionUpdated = { type: 'session_updated', sessionId };
      await queue.enqueue(tx, 'realtime.publish', {
        channel: solverChannel(solverId, channels.solver),
        name: REALTIME_EVENTS.sessionUpdated,
        data,
        id: newMessageId(),
      });
    },
    async revokeTokens(tx, { solverId }) {
      if (!enabled) return;
      // The token minter makes the channel name the client id (backend/realtime/routes.ts).
      await queue.enqueue(tx, 'realtime.revoke-tokens', { clientId: solverChannel(solverId, channels.solver) });
    },
  };
}
