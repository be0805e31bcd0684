import { z } from 'zod';
import { meetSpaceStateSchema } from './meet-space.ts';

/** Where a session's Meet link came from; `fallback` means a room was opened by hand and not captured yet. */
export const MEET_LINK_SOURCES = ['calendar', 'fallback', 'captured'] as const;
export const meetLinkSourceSchema = z.enum(MEET_LINK_SOURCES);
export type MeetLinkSource = z.infer<typeof meetLinkSourceSchema>;

/**
 * Delivery state of the customer SMS: `queued` (waiting for our worker), `accepted` (Twilio took it),
 * then Twilio's `sent` / `delivered` / `undelivered` / `failed`; `skipped` when SMS is not configured.
 */
export const SMS_STATUSES = ['queued', 'accepted', 'sent', 'delivered', 'undelivered', 'failed', 'skipped'] as const;
export const smsStatusSchema = z.enum(SMS_STATUSES);
export type SmsStatus = z.infer<typeof smsStatusSchema>;

export const SESSION_STATUSES = ['active', 'ended'] as const;
export const sessionStatusSchema = z.enum(SESSION_STATUSES);

export const smsStateSchema = z.object({
  status: smsStatusSchema,
  error: z.string().nullable(),
  updatedAt: z.iso.datetime(),
});
export type SmsState = z.infer<typeof smsStateSchema>;

/** One session as the side panel lists it. */
export const sessionSummarySchema = z.object({
  id: z.uuid(),
  customerName: z.string(),
  customerPhone: z.string(),
  status: sessionStatusSchema,
  meetLink: z.string().nullable(),
  meetLinkSource: meetLinkSourceSchema.nullable(),
  sms: smsStateSchema.nullable(),
  /** Access and attendance of the session's Meet space; null before a link, or when space control is off. */
  meetSpace: meetSpaceStateSchema.nullable(),
  createdAt: z.iso.datetime(),
});
export type SessionSummary = z.infer<typeof sessionSummarySchema>;

export const listSessionsResponseSchema = z.object({ sessions: z.array(sessionSummarySchema) });
export type ListSessionsResponse = z.infer<typeof listSessionsResponseSchema>;
