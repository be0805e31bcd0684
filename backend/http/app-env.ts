import type { RequestIdVariables } from 'hono/request-id';
import type { SolverRow } from '../solvers/solver-store.ts';

/** Hono context variables set by our middleware (`clientAddress`: see http/client-address.ts). */
export type AppEnv = { Variables: RequestIdVariables & { solver: SolverRow; clientAddress: string } };
