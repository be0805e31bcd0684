import { eq } from 'drizzle-orm';
import type { CountryCode } from 'libphonenumber-js';
import {
  ERROR_CODES,
  INBOUND_EVENT_SCHEMAS,
  type InboundEventType,
  type SessionEnded,
  type SessionUpserted,
  type SolverUpserted,
  type WebhookEnvelope,
} from '../../shared/index.ts';
import type { Database, Transaction } from '../db/client.ts';
import { solvers, webhookReceipts } from '../db/schema.ts';
import { ApiError } from '../http/errors.ts';
import { parseOrThrow } from '../http/validate.ts';
import type { Logger } from '../logger.ts';
import { toE164 } from '../sessions/customer-phone.ts';
import { SESSION_CHANGE_JOBS, type SessionEffects } from '../sessions/session-effects.ts';
import { endSession } from '../sessions/session-end.ts';
import { endedUnknownAt, lockSessionId, rememberEnded } from '../sessions/session-tombstones.ts';
import { upsertSession, type UpsertOutcome } from '../sessions/session-upsert.ts';
import { upsertSolver, type SolverUpsertOutcome } from '../solvers/solver-upsert.ts';
import { createRateLimiter } from '../rate-limit/rate-limiter.ts';
import { createBoundedPull } from './bounded-pull.ts';
import { HostApiError, type SavvySolveApi } from './savvysolve-api.ts';

/** How far ahead of this server's clock a host time may be (the Standard Webhooks tolerance). */
const MAX_CLOCK_AHEAD_MS = 5 * 60_000;

/** Audit actor of changes the SavvySolve app made (webhooks and pulls). */
export const HOST_ACTOR = 'savvysolve';

/** What happened to one inbound event: applied (with the upsert's outcome), a duplicate, or an unknown type. */
export type ReceiveOutcome = UpsertOutcome | SolverUpsertOutcome | 'already_ended' | 'not_found' | 'duplicate' | 'ignored';

export type HostSyncDeps = {
  db: Database;
  effects: SessionEffects;
  defaultPhoneRegion: CountryCode | undefined;
  /** SAVVYSOLVE_API_URL; undefined: sessions are known only through webhooks and the admin API. */
  api: SavvySolveApi | undefined;
  log: Logger;
  now?: () => Date;
  /** Called after a solver changed, so this instance's caches forget it at once. */
  onSolverChanged?: (id: string) => void;
};

export type HostSync = ReturnType<typeof createHostSync>;

/**
 * Keeps sessions and solvers in step with the SavvySolve app (docs/connecting-savvysolve.md): applies its signed events once
 * each (by `webhook-id`) and in order (by `occurredAt`), and pulls a session the webhooks missed.
 */
export function createHostSync(deps: HostSyncDeps) {
  const now = deps.now ?? (() => new Date());
  const wake = () => deps.effects.queue.wake([...SESSION_CHANGE_JOBS, 'realtime.revoke-tokens']);

  /** The solver a session names, by login email. @throws ApiError 409 while the host has not told us of them. */
  async function solverIdFor(tx: Transaction, email: string): Promise<string> {
    const [row] = await tx.select({ id: solvers.id }).from(solvers).where(eq(solvers.email, email)).limit(1);
    if (!row)
      throw new ApiError(
        409,
        ERROR_CODES.conflict,
        `data.solverEmail: no solver with the email ${email} is known yet; send solver.upserted first (this event is accepted when retried after it)`,
      );
    return row.id;
  }

  /**
   * A host time at most 5 minutes ahead of ours: a later one would order every true event after it away.
   * @throws ApiError 400 naming the field.
   */
  function refuseFuture(value: string, field: string): Date {
    const at = new Date(value);
    if (at.getTime() > now().getTime() + MAX_CLOCK_AHEAD_MS)
      throw new ApiError(
        400,
        ERROR_CODES.invalidRequest,
        `${field}: ${value} is more than 5 minutes in the future; check the sending server's clock`,
      );
    return at;
  }

  /** Parses `session.upserted` data into an upsert; @throws ApiError 400 naming the field (e.g. the phone). */
  const sessionInput = (data: SessionUpserted) => ({
    id: data.sessionId,
    customerName: data.customerName,
    customerPhone: toE164(data.customerPhone, deps.defaultPhoneRegion, 'data.customerPhone'),
    status: data.status,
    occurredAt: refuseFuture(data.occurredAt, 'data.occurredAt'),
  });

  /** Applies a session; one the host already ended while unknown here is never created (`stale` or `ended`). */
  async function applySession(tx: Transaction, data: SessionUpserted, actor: string): Promise<UpsertOutcome> {
    const input = sessionInput(data);
    await lockSessionId(tx, input.id);
    const endedAt = await endedUnknownAt(tx, input.id);
    if (endedAt) return input.occurredAt <= endedAt ? 'stale' : 'ended';
    return (await upsertSession(tx, deps.effects, { ...input, solverId: await solverIdFor(tx, data.solverEmail) }, actor)).outcome;
  }

  /** Ends a session; the end of one not stored here is remembered (a tombstone), so an older upsert cannot create it. */
  async function applyEnded(tx: Transaction, data: SessionEnded): Promise<ReceiveOutcome> {
    const at = new Date(data.occurredAt);
    await lockSessionId(tx, data.sessionId);
    const outcome = await endSession(tx, deps.effects, { sessionId: data.sessionId, at, actor: HOST_ACTOR, hostUpdatedAt: at });
    if (outcome === 'not_found') await rememberEnded(tx, data.sessionId, at);
    return outcome;
  }

  /**
   * Applies one verified event inside a transaction that also records its `webhook-id`: the same id again is a
   * `duplicate`, applied once. An unknown type is `ignored` (a newer host must never break us).
   * @throws ApiError 400 naming the field of invalid data or of a time over 5 minutes ahead (nothing stored); 409 for
   *   a session of an unknown solver.
   */
  async function receive(webhookId: string, envelope: WebhookEnvelope): Promise<ReceiveOutcome> {
    // Own properties only: `__proto__` or `constructor` are unknown types, not the object's internals.
    if (!Object.hasOwn(INBOUND_EVENT_SCHEMAS, envelope.type)) {
      deps.log.info('ignored a SavvySolve event of an unknown type', { webhookId, type: envelope.type });
      return 'ignored';
    }
    const type = envelope.type as InboundEventType;
    const data = parseOrThrow(INBOUND_EVENT_SCHEMAS[type], envelope.data, 'data');
    const timestamp = refuseFuture(envelope.timestamp, 'timestamp');
    if (type === 'session.upserted') sessionInput(data as SessionUpserted); // refuse a bad phone before the transaction
    if (type === 'session.ended') refuseFuture((data as SessionEnded).occurredAt, 'data.occurredAt');
    let changedSolver: string | undefined;
    const outcome = await deps.db.transaction(async (tx): Promise<ReceiveOutcome> => {
      const [first] = await tx
        .insert(webhookReceipts)
        .values({ webhookId, type, outcome: 'applying' })
        .onConflictDoNothing()
        .returning({ webhookId: webhookReceipts.webhookId });
      if (!first) return 'duplicate';
      let result: ReceiveOutcome;
      if (type === 'solver.upserted') {
        const solver = await upsertSolver(tx, data as SolverUpserted, HOST_ACTOR, timestamp, 'data.');
        if (solver.outcome === 'updated') changedSolver = solver.id;
        if (solver.revoked) await deps.effects.realtime.revokeTokens(tx, { solverId: solver.id });
        result = solver.outcome;
      } else if (type === 'session.upserted') result = await applySession(tx, data as SessionUpserted, HOST_ACTOR);
      else result = await applyEnded(tx, data as SessionEnded);
      await tx.update(webhookReceipts).set({ outcome: result }).where(eq(webhookReceipts.webhookId, webhookId));
      return result;
    });
    if (changedSolver) deps.onSolverChanged?.(changedSolver);
    wake();
    deps.log.info('applied a SavvySolve event', { webhookId, type, outcome });
    return outcome;
  }

  /**
   * Asks the SavvySolve app about a session this backend does not know and stores it (a session the webhooks
   * missed). False when the app is not configured, does not know it, or names a solver we do not know.
   * @throws ApiError 503 when the app is down, slow or answers nonsense (nothing stored).
   */
  async function pullOne(sessionId: string): Promise<boolean> {
    if (!deps.api) return false;
    let data: SessionUpserted | undefined;
    try {
      data = await deps.api.getSession(sessionId);
    } catch (error) {
      if (!(error instanceof HostApiError)) throw error;
      deps.log.warn('could not pull a session from the SavvySolve app', { sessionId, reason: error.message });
      throw new ApiError(
        503,
        ERROR_CODES.upstreamUnavailable,
        `This session is not known here yet and the SavvySolve app could not be asked about it (${error.message}). Try again in a moment.`,
      );
    }
    if (!data) return false;
    try {
      const outcome = await deps.db.transaction((tx) => applySession(tx, data, HOST_ACTOR));
      if (outcome === 'stale' || outcome === 'ended') return false; // ended here while unknown
    } catch (error) {
      if (error instanceof ApiError && error.status === 409) return false;
      if (error instanceof ApiError) {
        deps.log.warn('the SavvySolve app answered a session we cannot store', { sessionId, reason: error.message });
        throw new ApiError(503, ERROR_CODES.upstreamUnavailable, `The SavvySolve app answered an invalid session (${error.message}).`);
      }
      throw error;
    }
    wake();
    deps.log.info('pulled a session from the SavvySolve app', { sessionId });
    return true;
  }

  /**
   * `pullOne` bounded (backend/host/bounded-pull.ts): for a solver the Meet policy allows, once per id in flight,
   * not again within 60 s for an unknown id, within the solver's budget. @throws ApiError 429 over the budget.
   */
  const pullSession = createBoundedPull(pullOne, createRateLimiter(deps.db));

  return { receive, pullSession };
}
