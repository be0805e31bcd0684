import { z } from 'zod';
import { solverSchema } from './solvers.ts';

export const createAuthSessionRequestSchema = z.strictObject({
  googleAccessToken: z.string().min(1, 'googleAccessToken is required').max(4096),
});
export type CreateAuthSessionRequest = z.infer<typeof createAuthSessionRequestSchema>;

export const authSessionSchema = z.object({
  /** Backend session token (JWT); send it as `Authorization: Bearer <token>`. */
  token: z.string(),
  expiresAt: z.iso.datetime(),
  solver: solverSchema,
});
export type AuthSession = z.infer<typeof authSessionSchema>;
