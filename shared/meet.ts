import { z } from 'zod';

export const canUseMeetResponseSchema = z.object({
  canUse: z.boolean(),
  reason: z.string().optional(),
});
export type CanUseMeetResponse = z.infer<typeof canUseMeetResponseSchema>;

export const createMeetLinkRequestSchema = z.strictObject({
  sessionId: z.uuid('sessionId must be a UUID'),
});
export type CreateMeetLinkRequest = z.infer<typeof createMeetLinkRequestSchema>;

/** The spec's createMeetLink response, field for field. */
export const createMeetLinkResponseSchema = z.object({
  success: z.boolean(),
  meetLink: z.string(),
  isExisting: z.boolean(),
  usedFallback: z.boolean(),
});
export type CreateMeetLinkResponse = z.infer<typeof createMeetLinkResponseSchema>;
