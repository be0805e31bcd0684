import { z } from 'zod';

/** The `solver_employment` enum of docs/contract.md: W-2 employees and 1099 contractors. */
export const SOLVER_EMPLOYMENT = ['employed', 'contract'] as const;
export const solverEmploymentSchema = z.enum(SOLVER_EMPLOYMENT);
export type SolverEmployment = z.infer<typeof solverEmploymentSchema>;

/** A solver as the extension sees it. */
export const solverSchema = z.object({
  id: z.uuid(),
  name: z.string(),
  email: z.string(),
  employment: solverEmploymentSchema,
  googleEmail: z.string().nullable(),
  /** A disabled solver cannot sign in or use the API (admin API, CLI, or the SavvySolve app's solver.upserted). */
  disabled: z.boolean().optional(),
  /** Admin views only: who disabled them, `admin` (only an admin enables them again) or `savvysolve`; null when enabled. */
  disabledBy: z.string().nullable().optional(),
  disabledAt: z.iso.datetime().nullable().optional(),
});
export type Solver = z.infer<typeof solverSchema>;
