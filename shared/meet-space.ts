import { z } from 'zod';

/** Meet's `accessType` for a space (Meet REST API v2): who joins without knocking. */
export const MEET_ACCESS_TYPES = ['OPEN', 'TRUSTED', 'RESTRICTED'] as const;
export const meetAccessTypeSchema = z.enum(MEET_ACCESS_TYPES);
export type MeetAccessType = z.infer<typeof meetAccessTypeSchema>;

/**
 * The access step after a link is stored: `pending` (being applied; the SMS waits for it, briefly), `applied`,
 * `unchanged` (MEET_ACCESS_TYPE=unchanged: Google's default kept), `failed` (the SMS went anyway; `problem` says why).
 */
export const MEET_ACCESS_STATES = ['pending', 'applied', 'unchanged', 'failed'] as const;
export type MeetAccessState = (typeof MEET_ACCESS_STATES)[number];

/** Who came to the call, from Meet's conference records (ISO times, or null while unknown). */
export const attendanceSchema = z.object({
  customerJoinedAt: z.iso.datetime().nullable(),
  /** Null while the customer is in the call (a re-join clears it again). */
  customerLeftAt: z.iso.datetime().nullable(),
  solverJoinedAt: z.iso.datetime().nullable(),
  callStartedAt: z.iso.datetime().nullable(),
  callEndedAt: z.iso.datetime().nullable(),
});
export type Attendance = z.infer<typeof attendanceSchema>;

/** The session's Meet space as the side panel and the admin see it. */
export const meetSpaceStateSchema = z.object({
  access: z.object({
    state: z.enum(MEET_ACCESS_STATES),
    accessType: meetAccessTypeSchema.nullable(),
    /** Plain words when the customer may have to ask to join, e.g. "…admin has not granted…". */
    problem: z.string().nullable(),
  }),
  attendance: attendanceSchema,
  /** When to suggest resending the SMS if the customer has not joined (CUSTOMER_JOIN_NUDGE_MINUTES after the link). */
  nudgeResendAt: z.iso.datetime().nullable(),
  /** At the session's end the space is made RESTRICTED, so the texted link no longer lets outsiders in. */
  retired: z.enum(['pending', 'done', 'failed']).nullable(),
});
export type MeetSpaceState = z.infer<typeof meetSpaceStateSchema>;
