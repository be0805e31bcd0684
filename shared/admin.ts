import { z } from 'zod';
import { solverEmploymentSchema } from './solvers.ts';
import { sessionSummarySchema } from './sessions.ts';

/** E.164: a plus sign, then up to 15 digits, no leading zero. */
export const E164_PATTERN = /^\+[1-9]\d{1,14}$/;

const email = z
  .email('must be an email address')
  .max(255)
  .transform((value) => value.toLowerCase());

export const createSolverRequestSchema = z.strictObject({
  name: z.string().trim().min(1, 'name is required').max(255),
  email,
  employment: solverEmploymentSchema,
  googleEmail: email.nullish(),
});
export type CreateSolverRequest = z.infer<typeof createSolverRequestSchema>;

export const updateSolverRequestSchema = createSolverRequestSchema
  .partial()
  .refine((body) => Object.keys(body).length > 0, 'give at least one field to change');
export type UpdateSolverRequest = z.infer<typeof updateSolverRequestSchema>;

export const createSessionRequestSchema = z.strictObject({
  solverId: z.uuid('solverId must be a UUID'),
  customerName: z.string().trim().min(1, 'customerName is required').max(255),
  customerPhone: z.string().regex(E164_PATTERN, 'customerPhone must be an E.164 number such as +14155550123'),
});
export type CreateSessionRequest = z.infer<typeof createSessionRequestSchema>;

export const createdSchema = z.object({ id: z.uuid() });

/** What an admin sees of one session: the side panel's view plus the Calendar and audit details. */
export const adminSessionSchema = sessionSummarySchema.extend({
  solverId: z.uuid(),
  calendarEventId: z.string().nullable(),
  calendarId: z.string().nullable(),
  endedAt: z.iso.datetime().nullable(),
  audit: z.array(z.object({ action: z.string(), actor: z.string(), details: z.record(z.string(), z.unknown()), at: z.iso.datetime() })),
});
export type AdminSession = z.infer<typeof adminSessionSchema>;
