import { z } from 'zod';
import { solverEmploymentSchema } from './solvers.ts';
import { sessionSummarySchema } from './sessions.ts';
import { hostEventStateSchema } from './host-events.ts';
import { emailSchema, sessionIdSchema, textFieldSchema } from './fields.ts';

const email = emailSchema;

export const createSolverRequestSchema = z.strictObject({
  name: textFieldSchema('name'),
  email,
  employment: solverEmploymentSchema,
  googleEmail: email.nullish(),
});
export type CreateSolverRequest = z.infer<typeof createSolverRequestSchema>;

export const updateSolverRequestSchema = createSolverRequestSchema
  .extend({ disabled: z.boolean('disabled must be true or false') })
  .partial()
  .refine((body) => Object.keys(body).length > 0, 'give at least one field to change');
export type UpdateSolverRequest = z.infer<typeof updateSolverRequestSchema>;

/**
 * `POST /api/admin/sessions`: an upsert. `id` is the SavvySolve session id (generated when omitted); the solver is
 * named by `solverId` or by login email (`solverEmail`). `customerPhone` is E.164 or national (DEFAULT_PHONE_REGION).
 */
export const createSessionRequestSchema = z
  .strictObject({
    id: sessionIdSchema.optional(),
    solverId: z.uuid('solverId must be a UUID').optional(),
    solverEmail: emailSchema.optional(),
    customerName: textFieldSchema('customerName'),
    customerPhone: z.string().trim().min(1, 'customerPhone is required').max(40, 'customerPhone is too long'),
    /** `ended` records (or ends) a finished session, e.g. in a backfill; default `active`. */
    status: z.enum(['active', 'ended']).optional(),
  })
  .refine((body) => Boolean(body.solverId) !== Boolean(body.solverEmail), {
    message: 'give the solver as either solverId or solverEmail',
    path: ['solverId'],
  });
export type CreateSessionRequest = z.infer<typeof createSessionRequestSchema>;

export const createdSchema = z.object({ id: z.uuid() });

/** What an admin sees of one session: the side panel's view plus the Calendar and audit details. */
export const adminSessionSchema = sessionSummarySchema.extend({
  solverId: z.uuid(),
  calendarEventId: z.string().nullable(),
  calendarId: z.string().nullable(),
  /** The Meet space (`spaces/{id}`) behind the link, once resolved. */
  meetSpaceName: z.string().nullable(),
  /** Why the space could not be made RESTRICTED at the end (retrying, or given up). */
  meetSpaceRetireProblem: z.string().nullable(),
  endedAt: z.iso.datetime().nullable(),
  /** Events sent to the SavvySolve app about this session (empty when SAVVYSOLVE_EVENTS_URL is unset). */
  hostEvents: z.array(hostEventStateSchema),
  audit: z.array(z.object({ action: z.string(), actor: z.string(), details: z.record(z.string(), z.unknown()), at: z.iso.datetime() })),
});
export type AdminSession = z.infer<typeof adminSessionSchema>;

/** `POST /api/admin/customers/erase`: the customer's number, E.164 or national (DEFAULT_PHONE_REGION). */
export const eraseCustomerRequestSchema = z.strictObject({
  phone: z.string().trim().min(1, 'phone is required').max(40, 'phone is too long'),
});
export type EraseCustomerRequest = z.infer<typeof eraseCustomerRequestSchema>;

/** What an erasure removed: rows changed per table (0 everywhere: nothing held that number). */
export const erasureCountsSchema = z.object({
  sessions: z.number().int(),
  smsDeliveries: z.number().int(),
  hostEvents: z.number().int(),
});
export const eraseCustomerResponseSchema = z.object({ erased: erasureCountsSchema });
export type EraseCustomerResponse = z.infer<typeof eraseCustomerResponseSchema>;
