import { z } from 'zod';
import { meetLinkSourceSchema, smsErrorClassSchema, smsStatusSchema } from './sessions.ts';
import { solverEmploymentSchema } from './solvers.ts';
import { emailSchema, sessionIdSchema, textFieldSchema } from './fields.ts';

/**
 * The SavvySolve app and this backend keep each other in step with Standard Webhooks
 * (https://www.standardwebhooks.com): headers `webhook-id`, `webhook-timestamp`, `webhook-signature`, and the
 * envelope the specification recommends. See docs/connecting-savvysolve.md.
 */
export const webhookEnvelopeSchema = z.object({
  type: z.string().trim().min(1, 'type is required').max(100),
  /** When the event happened (ISO 8601). */
  timestamp: z.iso.datetime({ offset: true, error: 'timestamp must be an ISO 8601 date-time' }),
  data: z.record(z.string(), z.unknown(), 'data must be an object'),
});
export type WebhookEnvelope = z.infer<typeof webhookEnvelopeSchema>;

const occurredAt = z.iso.datetime({ offset: true, error: 'occurredAt must be an ISO 8601 date-time' });

// Inbound: unknown fields are dropped, not refused, so a newer host never breaks us.

/** `solver.upserted`: a solver, keyed by login email; `disabled: true` revokes their sign-in at once. */
export const solverUpsertedSchema = z.object({
  email: emailSchema,
  name: textFieldSchema('name'),
  employment: solverEmploymentSchema,
  googleEmail: emailSchema.nullable(),
  /** Omitted: unchanged (a new solver is enabled). */
  disabled: z.boolean().optional(),
});
export type SolverUpserted = z.infer<typeof solverUpsertedSchema>;

/**
 * `session.upserted`, and the answer of `GET {SAVVYSOLVE_API_URL}/sessions/{id}`. `customerPhone` is any
 * format libphonenumber-js reads (national ones with DEFAULT_PHONE_REGION); it is stored as E.164.
 */
export const sessionUpsertedSchema = z.object({
  sessionId: sessionIdSchema,
  solverEmail: emailSchema,
  customerName: textFieldSchema('customerName'),
  customerPhone: z.string().trim().min(1, 'customerPhone is required').max(40, 'customerPhone is too long'),
  status: z.enum(['active', 'ended']),
  occurredAt,
});
export type SessionUpserted = z.infer<typeof sessionUpsertedSchema>;

/** `session.ended`. */
export const sessionEndedSchema = z.object({ sessionId: sessionIdSchema, occurredAt });
export type SessionEnded = z.infer<typeof sessionEndedSchema>;

export const INBOUND_EVENT_SCHEMAS = {
  'solver.upserted': solverUpsertedSchema,
  'session.upserted': sessionUpsertedSchema,
  'session.ended': sessionEndedSchema,
} as const;
export type InboundEventType = keyof typeof INBOUND_EVENT_SCHEMAS;

// Outbound: what this backend tells the host, each with one stable `webhook-id` across retries.

export const meetLinkCreatedSchema = z.object({
  sessionId: z.uuid(),
  meetLink: z.string(),
  source: meetLinkSourceSchema.exclude(['fallback']),
  createdAt: z.iso.datetime({ offset: true }),
});
export const smsStatusChangedSchema = z.object({
  sessionId: z.uuid(),
  status: smsStatusSchema,
  error: z.string().nullable(),
  errorCode: z.string().nullable(),
  errorClass: smsErrorClassSchema.nullable(),
});
/** A `sender` or `content` failure: the deployment's texting number needs the admin; at most once per 10 minutes per code. */
export const smsSenderProblemSchema = z.object({
  sessionId: z.uuid(),
  errorCode: z.string(),
  errorClass: smsErrorClassSchema.extract(['sender', 'content']),
  error: z.string(),
});
export const sessionMeetEndedSchema = z.object({ sessionId: z.uuid(), endedAt: z.iso.datetime({ offset: true }) });

export const meetCustomerJoinedSchema = z.object({ sessionId: z.uuid(), joinedAt: z.iso.datetime({ offset: true }) });
export const meetCallEndedSchema = z.object({
  sessionId: z.uuid(),
  endedAt: z.iso.datetime({ offset: true }),
  durationSeconds: z.number().int(),
});

export const OUTBOUND_EVENT_SCHEMAS = {
  'meet_link.created': meetLinkCreatedSchema,
  'sms.status_changed': smsStatusChangedSchema,
  'sms.sender_problem': smsSenderProblemSchema,
  'session.meet_ended': sessionMeetEndedSchema,
  'meet.customer_joined': meetCustomerJoinedSchema,
  'meet.call_ended': meetCallEndedSchema,
} as const;
export type OutboundEventType = keyof typeof OUTBOUND_EVENT_SCHEMAS;
export type OutboundEventData<T extends OutboundEventType> = z.infer<(typeof OUTBOUND_EVENT_SCHEMAS)[T]>;

/** Where the backend receives the host's events. */
export const SAVVYSOLVE_WEBHOOK_PATH = '/webhooks/savvysolve';

/** An outbound event's delivery: `pending` (being sent, retried with backoff), `delivered` (2xx), `refused` (the host answered a 4xx other than 408/429: not retried), `failed` (retries used up). */
export const HOST_EVENT_STATUSES = ['pending', 'delivered', 'refused', 'failed'] as const;

/** One outbound event as the admin session view shows it. */
export const hostEventStateSchema = z.object({
  id: z.uuid(),
  type: z.string(),
  status: z.enum(HOST_EVENT_STATUSES),
  attempts: z.number().int(),
  lastError: z.string().nullable(),
  createdAt: z.iso.datetime(),
  deliveredAt: z.iso.datetime().nullable(),
});
export type HostEventState = z.infer<typeof hostEventStateSchema>;
