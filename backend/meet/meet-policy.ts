import { ERROR_CODES, MEET_REASONS, type CanUseMeetResponse, type MeetReason } from '../../shared/index.ts';
import type { sessions } from '../db/schema.ts';
import { ApiError } from '../http/errors.ts';
import type { SolverRow } from '../solvers/solver-store.ts';

/** Every action that creates, attaches or sends a Meet link. */
export type MeetAction = 'create' | 'capture' | 'resend';

type SessionRow = typeof sessions.$inferSelect;

/**
 * The canUseMeet rules of docs/contract.md, in their order, with their reason strings: not employed, no Google Workspace email,
 * no service account. A disabled solver never gets this far (authentication refuses them).
 */
export function meetPermission(solver: SolverRow, calendarConfigured: boolean): CanUseMeetResponse & { reason?: MeetReason } {
  if (solver.employment !== 'employed') return { canUse: false, reason: MEET_REASONS.notEmployed };
  if (!solver.googleEmail) return { canUse: false, reason: MEET_REASONS.noGoogleEmail };
  if (!calendarConfigured) return { canUse: false, reason: MEET_REASONS.notConfigured };
  return { canUse: true };
}

/**
 * The one authorization rule for every Meet action, asked by the Meet service before it creates, stores or
 * sends anything. The solver (read fresh through the solver cache) must be enabled, employed and have a Google
 * email; the session must be active; `capture` only attaches a room to a session whose last attempt fell back.
 * An unconfigured Calendar is no refusal: `create` falls back to meet.google.com/new and capture recovers it.
 * @throws ApiError 403 with the contract's reason, or 409 for the session's state.
 */
export function authorizeMeetAction(solver: SolverRow, action: MeetAction, session: SessionRow): void {
  if (solver.disabled) throw new ApiError(403, ERROR_CODES.forbidden, 'Your SavvySolve solver account is disabled. Ask your admin.');
  const { canUse, reason } = meetPermission(solver, true);
  if (!canUse) throw new ApiError(403, ERROR_CODES.forbidden, reason!);
  if (session.status === 'ended') {
    throw new ApiError(
      409,
      ERROR_CODES.conflict,
      action === 'resend' ? 'This session has ended.' : 'This session has ended; a video call can no longer be started.',
    );
  }
  if (action === 'capture' && !session.meetLink && session.meetLinkSource !== 'fallback') {
    throw new ApiError(
      409,
      ERROR_CODES.conflict,
      'A room can only be attached after Calendar could not create one (fallback); use Start Google Meet for this session.',
    );
  }
  if (action === 'resend' && !session.meetLink) throw new ApiError(409, ERROR_CODES.conflict, 'This session has no Meet link to send yet.');
}
