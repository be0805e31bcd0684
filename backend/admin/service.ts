import { and, eq } from 'drizzle-orm';
import {
  ERROR_CODES,
  type AdminSession,
  type CreateSessionRequest,
  type CreateSolverRequest,
  type Solver,
  type UpdateSolverRequest,
} from '../../shared/index.ts';
import { recordAudit } from '../audit/audit-log.ts';
import type { Database } from '../db/client.ts';
import { sessions } from '../db/schema.ts';
import { ApiError } from '../http/errors.ts';
import type { JobQueue } from '../jobs/job-queue.ts';
import type { RealtimeOutbox } from '../realtime/outbox.ts';
import { recordSessionChange } from '../sessions/session-change.ts';
import { getAdminSession, listSessionsForAdmin } from '../sessions/session-views.ts';
import { findSolverById, insertSolver, listSolverRows, toSolver, updateSolverRow } from '../solvers/solver-store.ts';

const ADMIN = 'admin';
const emailTaken = (email: string) => new ApiError(409, ERROR_CODES.conflict, `A solver with email ${email} already exists.`);
const isUniqueViolation = (error: unknown) => /unique|duplicate key/i.test(String((error as { cause?: unknown }).cause ?? error));

export type AdminServiceDeps = {
  db: Database;
  queue: JobQueue;
  realtime: RealtimeOutbox;
  /** Called after a solver changed, so this instance's caches forget it at once. */
  onSolverChanged?: (id: string) => void;
  now?: () => Date;
};
export type AdminService = ReturnType<typeof createAdminService>;

export function createAdminService(deps: AdminServiceDeps) {
  const now = deps.now ?? (() => new Date());

  async function createSolver(input: CreateSolverRequest): Promise<Solver> {
    return deps.db.transaction(async (tx) => {
      const row = await insertSolver(tx, input);
      if (!row) throw emailTaken(input.email);
      await recordAudit(tx, { action: 'solver.created', actor: ADMIN, solverId: row.id, details: { employment: row.employment } });
      return toSolver(row);
    });
  }

  async function updateSolver(id: string, input: UpdateSolverRequest): Promise<Solver> {
    try {
      const solver = await deps.db.transaction(async (tx) => {
        const row = await updateSolverRow(tx, id, input);
        if (!row) throw new ApiError(404, ERROR_CODES.notFound, 'Solver not found');
        await recordAudit(tx, { action: 'solver.updated', actor: ADMIN, solverId: id, details: { fields: Object.keys(input) } });
        return toSolver(row);
      });
      // After the commit: a read racing the transaction must not cache the old row again.
      deps.onSolverChanged?.(id);
      return solver;
    } catch (error) {
      if (input.email && isUniqueViolation(error)) throw emailTaken(input.email);
      throw error;
    }
  }

  async function createSession(input: CreateSessionRequest): Promise<{ id: string }> {
    if (!(await findSolverById(deps.db, input.solverId))) {
      throw new ApiError(400, ERROR_CODES.invalidRequest, 'solverId: no solver has this id');
    }
    return deps.db.transaction(async (tx) => {
      const [row] = await tx.insert(sessions).values(input).returning({ id: sessions.id });
      await recordSessionChange(tx, deps.realtime, {
        action: 'session.created',
        actor: ADMIN,
        sessionId: row!.id,
        solverId: input.solverId,
      });
      return row!;
    });
  }

  async function getSession(id: string): Promise<AdminSession> {
    const session = await getAdminSession(deps.db, id);
    if (!session) throw new ApiError(404, ERROR_CODES.notFound, 'Session not found');
    return session;
  }

  /** Ends the session; its Calendar event is ended (end set to now) by a durable job. The link stays for audit. */
  async function endSession(id: string): Promise<AdminSession> {
    await deps.db.transaction(async (tx) => {
      const [ended] = await tx
        .update(sessions)
        .set({ status: 'ended', endedAt: now() })
        .where(and(eq(sessions.id, id), eq(sessions.status, 'active')))
        .returning();
      if (!ended) {
        const [exists] = await tx.select({ id: sessions.id }).from(sessions).where(eq(sessions.id, id));
        if (!exists) throw new ApiError(404, ERROR_CODES.notFound, 'Session not found');
        return; // already ended: ending twice is harmless
      }
      if (ended.calendarEventId) await deps.queue.enqueue(tx, 'calendar.end-event', { sessionId: id });
      await recordSessionChange(tx, deps.realtime, {
        action: 'session.ended',
        actor: ADMIN,
        sessionId: id,
        solverId: ended.solverId,
        details: { calendarEvent: ended.calendarEventId ? 'ending' : 'none' },
      });
    });
    deps.queue.wake(['calendar.end-event', 'realtime.publish']);
    return getSession(id);
  }

  const listSolvers = async (): Promise<Solver[]> => (await listSolverRows(deps.db)).map(toSolver);
  const listSessions = (filter: { solverId?: string; includeEnded?: boolean } = {}) => listSessionsForAdmin(deps.db, filter);

  return { createSolver, updateSolver, listSolvers, createSession, getSession, listSessions, endSession };
}
