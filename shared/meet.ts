import { z } from 'zod';
import { sessionIdSchema } from './fields.ts';
import { FALLBACK_MEET_LINK, MEET_REASONS, type MeetReason } from './reasons.ts';
import { smsStateSchema } from './sessions.ts';

export const canUseMeetResponseSchema = z.object({
  canUse: z.boolean(),
  /** One of the three reasons of docs/contract.md, word for word. */
  reason: z.enum(Object.values(MEET_REASONS) as [MeetReason, ...MeetReason[]]).optional(),
});
export type CanUseMeetResponse = z.infer<typeof canUseMeetResponseSchema>;

export const createMeetLinkRequestSchema = z.strictObject({
  sessionId: sessionIdSchema,
});
export type CreateMeetLinkRequest = z.infer<typeof createMeetLinkRequestSchema>;

/** The createMeetLink response of docs/contract.md, field for field. */
export const createMeetLinkResponseSchema = z.object({
  success: z.boolean(),
  meetLink: z.string(),
  isExisting: z.boolean(),
  usedFallback: z.boolean(),
});
export type CreateMeetLinkResponse = z.infer<typeof createMeetLinkResponseSchema>;

/** A real Meet room (`https://meet.google.com/abc-defg-hij`), as opposed to `meet.google.com/new`. */
export const MEET_ROOM_PATTERN = /^https:\/\/meet\.google\.com\/[a-z]{3}-[a-z]{4}-[a-z]{3}$/;

/**
 * A stand-in Meet room on loopback (`http://127.0.0.1:<port>/meet/abc-defg-hij`), as the test emulator serves them:
 * development and test builds only open these (see {@link isOpenableMeetLink}).
 */
export const LOOPBACK_MEET_ROOM_PATTERN = /^http:\/\/(?:127\.0\.0\.1|localhost):\d{1,5}\/meet\/[a-z]{3}-[a-z]{4}-[a-z]{3}$/;

/**
 * The only links the extension opens for a session: a real Meet room, or the spec's fallback
 * `https://meet.google.com/new` (docs/meet-link.md). Anything else — another host, a query, `javascript:` — is refused.
 */
export const openableMeetLinkSchema = z.union([z.string().regex(MEET_ROOM_PATTERN), z.literal(FALLBACK_MEET_LINK)]);

/**
 * Whether `url` is a link the extension may open ({@link openableMeetLinkSchema}); with `loopbackRooms` (a development
 * or test build, never the store build) also a {@link LOOPBACK_MEET_ROOM_PATTERN} stand-in.
 */
export const isOpenableMeetLink = (url: unknown, options: { loopbackRooms?: boolean } = {}): url is string =>
  openableMeetLinkSchema.safeParse(url).success ||
  (options.loopbackRooms === true && typeof url === 'string' && LOOPBACK_MEET_ROOM_PATTERN.test(url));

/** After a fallback: the room the solver landed on after a fallback, handed back so the customer can be texted. */
export const captureMeetLinkRequestSchema = z.strictObject({
  meetLink: z.string().regex(MEET_ROOM_PATTERN, 'meetLink must be a Meet room URL such as https://meet.google.com/abc-defg-hij'),
});
export type CaptureMeetLinkRequest = z.infer<typeof captureMeetLinkRequestSchema>;

/** `POST /api/meet/links/:sessionId/resend`: a new SMS of the session's link was queued. */
export const resendSmsResponseSchema = z.object({ sms: smsStateSchema });
export type ResendSmsResponse = z.infer<typeof resendSmsResponseSchema>;
