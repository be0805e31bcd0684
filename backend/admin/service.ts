import type { CountryCode } from 'libphonenumber-js';
import {
  ERROR_CODES,
  type AdminSession,
  type CreateSessionRequest,
  type CreateSolverRequest,
  type EraseCustomerResponse,
  type Solver,
  type UpdateSolverRequest,
} from '../../shared/index.ts';
import { recordAudit } from '../audit/audit-log.ts';
import { eraseCustomerByPhone } from '../customers/customer-erasure.ts';
import type { Database } from '../db/client.ts';
import type { HostEventOutbox } from '../host/host-event-outbox.ts';
import { ApiError } from '../http/errors.ts';
import type { DeadLetter, DeadLetters, JobQueue } from '../jobs/job-queue.ts';
import type { RealtimeOutbox } from '../realtime/outbox.ts';
import { toE164 } from '../sessions/customer-phone.ts';
import { SESSION_CHANGE_JOBS, type SessionEffects } from '../sessions/session-effects.ts';
import { endSession as endSessionFlow } from '../sessions/session-end.ts';
import { upsertSession as storeSession, type UpsertOutcome } from '../sessions/session-upsert.ts';
import type { SessionViews } from '../sessions/session-views.ts';
import { solverConflict } from '../solvers/solver-conflict.ts';
import {
  findSolverByEmail,
  findSolverById,
  insertSolver,
  listSolverRows,
  toAdminSolver,
  updateSolverRow,
} from '../solvers/solver-store.ts';

const ADMIN = 'admin';
const emailTaken = (email: string) => new ApiError(409, ERROR_CODES.conflict, `A solver with email ${email} already exists.`);

export type AdminServiceDeps = {
  db: Database;
  queue: JobQueue;
  /** Jobs that exhausted their retries (GET /api/admin/jobs?state=failed). */
  deadLetters: DeadLetters;
  realtime: RealtimeOutbox;
  hostEvents: HostEventOutbox;
  views: SessionViews;
  /** DEFAULT_PHONE_REGION: how national phone numbers are read. */
  defaultPhoneRegion: CountryCode | undefined;
  /** Called after a solver changed, so this instance's caches forget it at once. */
  onSolverChanged?: (id: string) => void;
  now?: () => Date;
};
export type AdminService = ReturnType<typeof createAdminService>;

export function createAdminService(deps: AdminServiceDeps) {
  const now = deps.now ?? (() => new Date());
  const effects: SessionEffects = { queue: deps.queue, realtime: deps.realtime, hostEvents: deps.hostEvents };

  /** @throws ApiError 409 when the email or the Google email belongs to another solver. */
  async function createSolver(input: CreateSolverRequest): Promise<Solver> {
    try {
      return await deps.db.transaction(async (tx) => {
        const row = await insertSolver(tx, input);
        if (!row) throw emailTaken(input.email);
        await recordAudit(tx, { action: 'solver.created', actor: ADMIN, solverId: row.id, details: { employment: row.employment } });
        return toAdminSolver(row);
      });
    } catch (error) {
      throw solverConflict(error, input);
    }
  }

  async function updateSolver(id: string, input: UpdateSolverRequest): Promise<Solver> {
    try {
      const solver = await deps.db.transaction(async (tx) => {
        const updated = await updateSolverRow(tx, id, input);
        if (!updated) throw new ApiError(404, ERROR_CODES.notFound, 'Solver not found');
        if (updated.revoked) await deps.realtime.revokeTokens(tx, { solverId: id });
        await recordAudit(tx, {
          action: 'solver.updated',
          actor: ADMIN,
          solverId: id,
          details: { fields: Object.keys(input), tokensRevoked: updated.revoked },
        });
        return toAdminSolver(updated.row);
      });
      // After the commit: a read racing the transaction must not cache the old row again.
      deps.onSolverChanged?.(id);
      deps.queue.wake(['realtime.revoke-tokens']);
      return solver;
    } catch (error) {
      throw solverConflict(error, input);
    }
  }

  /**
   * Creates the session, or updates it when `id` names one (SavvySolve's id); an ended session stays ended.
   * @throws ApiError 400 for an unknown solver or an impossible phone number (nothing stored).
   */
  async function upsertSession(input: CreateSessionRequest): Promise<{ id: string; outcome: UpsertOutcome }> {
    const customerPhone = toE164(input.customerPhone, deps.defaultPhoneRegion);
    const solver = input.solverId ? await findSolverById(deps.db, input.solverId) : await findSolverByEmail(deps.db, input.solverEmail!);
    if (!solver) {
      throw new ApiError(
        400,
        ERROR_CODES.invalidRequest,
        input.solverId ? 'solverId: no solver has this id' : 'solverEmail: no solver has this email',
      );
    }
    const result = await deps.db.transaction((tx) =>
      storeSession(
        tx,
        effects,
        { id: input.id, solverId: solver.id, customerName: input.customerName, customerPhone, status: input.status ?? 'active' },
        ADMIN,
      ),
    );
    deps.queue.wake(SESSION_CHANGE_JOBS);
    return result;
  }

  async function getSession(id: string): Promise<AdminSession> {
    const session = await deps.views.getForAdmin(id);
    if (!session) throw new ApiError(404, ERROR_CODES.notFound, 'Session not found');
    return session;
  }

  /** Ends the session; its Calendar event is ended (end set to now) by a durable job. The link stays for audit. */
  async function endSession(id: string): Promise<AdminSession> {
    const outcome = await deps.db.transaction((tx) => endSessionFlow(tx, effects, { sessionId: id, at: now(), actor: ADMIN }));
    if (outcome === 'not_found') throw new ApiError(404, ERROR_CODES.notFound, 'Session not found');
    deps.queue.wake(SESSION_CHANGE_JOBS);
    return getSession(id);
  }

  /**
   * Erases one customer's personal data now (backend/customers/customer-erasure.ts), found by phone number.
   * @throws ApiError 400 for a number that cannot be read (nothing changed).
   */
  async function eraseCustomer(phone: string): Promise<EraseCustomerResponse> {
    return { erased: await eraseCustomerByPhone(deps.db, toE164(phone, deps.defaultPhoneRegion, 'phone')) };
  }

  /**
   * The id of the solver named by `idOrEmail`: a UUID as is, or a login email (any case).
   * @throws ApiError 404 when no solver has that email.
   */
  async function solverIdFor(idOrEmail: string): Promise<string> {
    if (!idOrEmail.includes('@')) return idOrEmail;
    const solver = await findSolverByEmail(deps.db, idOrEmail.trim().toLowerCase());
    if (!solver) throw new ApiError(404, ERROR_CODES.notFound, `No solver has the email ${idOrEmail}`);
    return solver.id;
  }

  const listSolvers = async (): Promise<Solver[]> => (await listSolverRows(deps.db)).map(toAdminSolver);
  const listSessions = (filter: { solverId?: string; includeEnded?: boolean } = {}) => deps.views.listForAdmin(filter);

  /** Jobs that exhausted their retries, oldest first. */
  const listFailedJobs = (): Promise<DeadLetter[]> => deps.deadLetters.list();

  /**
   * Queues a failed job again on its own queue, with that queue's full retry policy.
   * @throws ApiError 404 when no failed job has this id (never failed, or already retried).
   */
  async function retryFailedJob(id: string): Promise<{ id: string; queue: string; retried: true }> {
    const queue = await deps.deadLetters.retry(id);
    if (!queue) throw new ApiError(404, ERROR_CODES.notFound, 'No failed job with this id (it may have been retried already).');
    return { id, queue, retried: true };
  }

  return {
    createSolver,
    updateSolver,
    listSolvers,
    upsertSession,
    getSession,
    listSessions,
    endSession,
    listFailedJobs,
    retryFailedJob,
    eraseCustomer,
    solverIdFor,
  };
}
