import { and, eq, isNull } from 'drizzle-orm';
import {
  ERROR_CODES,
  FALLBACK_MEET_LINK,
  meetSmsBody,
  type CanUseMeetResponse,
  type CreateMeetLinkResponse,
  type ResendSmsResponse,
  messageOf,
} from '../../shared/index.ts';
import { solverActor } from '../audit/audit-log.ts';
import type { Database } from '../db/client.ts';
import { sessions } from '../db/schema.ts';
import { ApiError } from '../http/errors.ts';
import type { JobQueue } from '../jobs/job-queue.ts';
import type { Logger } from '../logger.ts';
import type { RealtimeOutbox } from '../realtime/outbox.ts';
import type { RateLimiter } from '../rate-limit/rate-limiter.ts';
import { SMS_NOT_CONFIGURED, type SmsOutbox } from '../sms/sms-outbox.ts';
import { recordSessionChange } from '../sessions/session-change.ts';
import type { SolverRow } from '../solvers/solver-store.ts';
import { CalendarFailure } from './calendar-failure.ts';
import { authorizeMeetAction, meetPermission } from './meet-policy.ts';
import { calendarEventIdFor } from './event-id.ts';
import type { LinkFanout } from './link-fanout.ts';
import { createLinkStore } from './link-store.ts';
import type { MeetCalendar } from './google-calendar.ts';

export type MeetServiceDeps = {
  db: Database;
  /** Undefined when GOOGLE_SERVICE_ACCOUNT_KEY is unset. */
  calendar: MeetCalendar | undefined;
  sms: SmsOutbox;
  realtime: RealtimeOutbox;
  queue: JobQueue;
  fanout: LinkFanout;
  limiter: RateLimiter;
  /**
   * Asks the SavvySolve app about a session this backend does not know and stores it; false when it is unknown
   * there too (or the app is not configured). May throw ApiError 503 when the app cannot be asked.
   */
  pullSession?: (sessionId: string) => Promise<boolean>;
  log: Logger;
  now?: () => Date;
  eventDurationMinutes?: number;
};

export type MeetService = ReturnType<typeof createMeetService>;

const SESSION_NOT_FOUND = 'Session not found';

/** Per solver, counted in Postgres so the limits hold across instances. */
export const MEET_RATE_LIMITS = {
  linkCreation: { limit: 30, windowSeconds: 60 },
  smsResend: { limit: 5, windowSeconds: 600 },
};

/**
 * The solver-level half of the policy, asked before any session is read (or pulled from the SavvySolve app): a
 * contract solver learns nothing about sessions. The session-level half follows in authorizeMeetAction.
 */
function authorizeSolver(solver: SolverRow): void {
  const { canUse, reason } = meetPermission(solver, true);
  if (!canUse) throw new ApiError(403, ERROR_CODES.forbidden, reason!);
}

export function createMeetService(deps: MeetServiceDeps) {
  const now = deps.now ?? (() => new Date());
  const durationMs = (deps.eventDurationMinutes ?? 60) * 60_000;
  const links = createLinkStore(deps);
  // Concurrent clicks on one session in this process share one Calendar call.
  const inFlight = new Map<string, Promise<CreateMeetLinkResponse>>();

  /** The three rules of docs/contract.md, in their order (backend/meet/meet-policy.ts). */
  const canUse = (solver: SolverRow): CanUseMeetResponse => meetPermission(solver, Boolean(deps.calendar));

  async function createLink(solver: SolverRow, sessionId: string): Promise<CreateMeetLinkResponse> {
    authorizeSolver(solver);
    const session = await loadOwnSession(solver.id, sessionId, { pull: true });
    if (session.meetLink) return existing(session.meetLink);
    authorizeMeetAction(solver, 'create', session);

    const running = inFlight.get(sessionId);
    if (running) return running.then((result) => (result.usedFallback ? result : { ...result, isExisting: true }));
    const created = createNewLink(solver, session).finally(() => inFlight.delete(sessionId));
    inFlight.set(sessionId, created);
    return created;
  }

  /** The solver's own session; with `pull`, one unknown here is asked of the SavvySolve app first (webhooks missed it). */
  async function loadOwnSession(solverId: string, sessionId: string, { pull = false } = {}): Promise<typeof sessions.$inferSelect> {
    const [session] = await deps.db.select().from(sessions).where(eq(sessions.id, sessionId)).limit(1);
    if (!session && pull && deps.pullSession && (await deps.pullSession(sessionId))) return loadOwnSession(solverId, sessionId);
    // Another solver's session answers exactly like a missing one.
    if (!session || session.solverId !== solverId) throw new ApiError(404, ERROR_CODES.notFound, SESSION_NOT_FOUND);
    return session;
  }

  async function createNewLink(solver: SolverRow, session: typeof sessions.$inferSelect): Promise<CreateMeetLinkResponse> {
    await deps.limiter.hit(`meet-link:${solver.id}`, MEET_RATE_LIMITS.linkCreation, 'Meet links created');
    const subject = solver.googleEmail!;
    let meetLink: string;
    try {
      if (!deps.calendar)
        throw new CalendarFailure(
          'rejected',
          'Google Meet integration not configured (GOOGLE_SERVICE_ACCOUNT_EMAIL and GOOGLE_SERVICE_ACCOUNT_KEY unset).',
        );
      const start = now();
      ({ meetLink } = await deps.calendar.createMeetEvent({
        subject,
        eventId: calendarEventIdFor(session.id),
        sessionId: session.id,
        customerName: session.customerName,
        start,
        end: new Date(start.getTime() + durationMs),
      }));
    } catch (error) {
      return fallback(solver, session.id, error);
    }

    const stored = await links.store(session.id, {
      meetLink,
      source: 'calendar',
      calendarEventId: calendarEventIdFor(session.id),
      calendarId: subject,
    });
    if (!stored) {
      // Another instance stored a link between our read and our write: that one is the session's link.
      const current = await loadOwnSession(solver.id, session.id);
      return existing(current.meetLink ?? meetLink);
    }
    deps.fanout.fanOutSoon(session.id);
    return { success: true, meetLink, isExisting: false, usedFallback: false };
  }

  /** After a fallback (docs/architecture.md), the real room the solver opened becomes the session's link and is texted. */
  async function captureLink(solver: SolverRow, sessionId: string, meetLink: string): Promise<CreateMeetLinkResponse> {
    authorizeSolver(solver);
    const session = await loadOwnSession(solver.id, sessionId);
    if (session.meetLink) return existing(session.meetLink);
    authorizeMeetAction(solver, 'capture', session);
    if (!(await links.store(sessionId, { meetLink, source: 'captured' }))) {
      return existing((await loadOwnSession(solver.id, sessionId)).meetLink ?? meetLink);
    }
    deps.fanout.fanOutSoon(sessionId);
    return { success: true, meetLink, isExisting: false, usedFallback: false };
  }

  /** Fallback: the solver still gets a room; the customer is not texted `meet.google.com/new`. */
  async function fallback(solver: SolverRow, sessionId: string, error: unknown): Promise<CreateMeetLinkResponse> {
    const cause = error instanceof CalendarFailure ? error : new CalendarFailure('rejected', messageOf(error));
    deps.log.warn('Meet link fell back to meet.google.com/new', { sessionId, solverId: solver.id, kind: cause.kind, cause: cause.message });

    const current = await loadOwnSession(solver.id, sessionId);
    if (current.meetLink) return existing(current.meetLink);
    await deps.db.transaction(async (tx) => {
      await tx
        .update(sessions)
        .set({ meetLinkSource: 'fallback' })
        .where(and(eq(sessions.id, sessionId), isNull(sessions.meetLink)));
      await recordSessionChange(tx, deps.realtime, {
        action: 'meet_link.fallback',
        actor: solverActor(solver.id),
        solverId: solver.id,
        sessionId,
        details: { source: 'fallback', delegationSubject: solver.googleEmail, failure: cause.kind, cause: cause.message, sms: 'not sent' },
      });
    });
    deps.queue.wake(['realtime.publish']);
    return { success: true, meetLink: FALLBACK_MEET_LINK, isExisting: false, usedFallback: true };
  }

  /** Texts the session's link to the customer again (a new delivery with its own state). */
  async function resendSms(solver: SolverRow, sessionId: string): Promise<ResendSmsResponse> {
    authorizeSolver(solver);
    const session = await loadOwnSession(solver.id, sessionId);
    authorizeMeetAction(solver, 'resend', session);
    await deps.limiter.hit(`sms-resend:${solver.id}`, MEET_RATE_LIMITS.smsResend, 'SMS resends');
    const meetLink = session.meetLink!;
    const sms = await deps.db.transaction(async (tx) => {
      const queued = await deps.sms.queue(tx, { sessionId, to: session.customerPhone, body: meetSmsBody(solver.name, meetLink) });
      await recordSessionChange(tx, deps.realtime, {
        action: 'sms.resent',
        actor: solverActor(solver.id),
        solverId: solver.id,
        sessionId,
        details: { sms: queued.skipped ? 'skipped' : 'queued' },
      });
      return queued;
    });
    deps.queue.wake(['sms.send', 'realtime.publish']);
    return {
      sms: {
        status: sms.skipped ? 'skipped' : 'queued',
        error: sms.skipped ? SMS_NOT_CONFIGURED : null,
        errorCode: null,
        errorClass: null,
        updatedAt: now().toISOString(),
      },
    };
  }

  return { canUse, createLink, captureLink, resendSms };
}

const existing = (meetLink: string): CreateMeetLinkResponse => ({ success: true, meetLink, isExisting: true, usedFallback: false });
