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

/**
 * What a Twilio error means for the SMS (backend/sms/twilio-error-classes.ts holds the table of codes):
 * `recipient` the number cannot receive texts, `opted_out` the customer replied STOP, `sender` our texting number or
 * account is misconfigured (the admin must act), `content` the carrier filtered the text, `temporary` the phone or
 * network was unavailable (retried automatically), `expired` not delivered within SMS_VALIDITY_SECONDS.
 */
export const SMS_ERROR_CLASSES = ['recipient', 'opted_out', 'sender', 'content', 'temporary', 'expired'] as const;
export const smsErrorClassSchema = z.enum(SMS_ERROR_CLASSES);
export type SmsErrorClass = z.infer<typeof smsErrorClassSchema>;

/**
 * The customer SMS as the panel, the admin and the host see it. `error` is a sentence in plain words; `errorCode` is
 * Twilio's error code (`"30034"`), null when there is none or the failure was not Twilio's answer; `errorClass` is
 * null when there is no error or it is not one of Twilio's (a lost answer, SMS not configured).
 */
export const smsStateSchema = z.object({
  status: smsStatusSchema,
  error: z.string().nullable(),
  errorCode: z.string().nullable(),
  errorClass: smsErrorClassSchema.nullable(),
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
