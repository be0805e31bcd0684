import { z } from 'zod';

/** The four Meet event types attendance follows (Workspace Events API, Meet v2 event types). */
export const MEET_EVENT_TYPES = [
  'google.workspace.meet.conference.v2.started',
  'google.workspace.meet.conference.v2.ended',
  'google.workspace.meet.participant.v2.joined',
  'google.workspace.meet.participant.v2.left',
] as const;
export type MeetEventType = (typeof MEET_EVENT_TYPES)[number];

/**
 * A Pub/Sub push request body (https://cloud.google.com/pubsub/docs/push): `message.data` is base64, the
 * CloudEvents context travels in `message.attributes` as `ce-*` (Workspace Events' Pub/Sub binding).
 */
export const pushEnvelopeSchema = z.object({
  message: z.object({
    data: z.base64('message.data must be base64').optional(),
    attributes: z.record(z.string(), z.string()).default({}),
    messageId: z.string().min(1),
    publishTime: z.string().optional(),
  }),
  subscription: z.string().min(1),
});

const RECORD = /^conferenceRecords\/[^/]+$/;
const PARTICIPANT_SESSION = /^(conferenceRecords\/[^/]+)\/participants\/[^/]+\/participantSessions\/[^/]+$/;

const payloadSchema = z.object({
  conferenceRecord: z.object({ name: z.string().regex(RECORD) }).optional(),
  participantSession: z.object({ name: z.string().regex(PARTICIPANT_SESSION) }).optional(),
});

/** `message.data` decoded (base64 JSON). @throws Error when it is not */
function decodeData(data: string | undefined): unknown {
  try {
    return JSON.parse(Buffer.from(data ?? '', 'base64').toString('utf8'));
  } catch {
    throw new Error('message.data is not base64 JSON');
  }
}

/** A Meet event as attendance needs it. */
export type MeetEvent = {
  /** `ce-id` (Pub/Sub's `messageId` when absent): the same event delivered again has the same id. */
  id: string;
  type: MeetEventType;
  /** `ce-subject`: `//meet.googleapis.com/spaces/{id}` or `//cloudidentity.googleapis.com/users/{id}`. */
  subject: string | undefined;
  /** `conferenceRecords/{id}` the event is about. */
  conferenceRecord: string;
};

/**
 * The Meet event inside a parsed push envelope; `undefined` for an event type attendance does not follow (lifecycle
 * events included, for now). @throws Error naming what is malformed (the route answers 400)
 */
export function meetEventOf(envelope: z.infer<typeof pushEnvelopeSchema>): MeetEvent | undefined {
  const { attributes, data, messageId } = envelope.message;
  const type = attributes['ce-type'];
  if (!type || !(MEET_EVENT_TYPES as readonly string[]).includes(type)) return undefined;
  const payload = payloadSchema.safeParse(decodeData(data));
  const record = type.includes('.participant.')
    ? payload.data?.participantSession && PARTICIPANT_SESSION.exec(payload.data.participantSession.name)?.[1]
    : payload.data?.conferenceRecord?.name;
  if (!record) {
    throw new Error(
      type.includes('.participant.')
        ? 'message.data: participantSession.name must be conferenceRecords/{c}/participants/{p}/participantSessions/{s}'
        : 'message.data: conferenceRecord.name must be conferenceRecords/{c}',
    );
  }
  return { id: attributes['ce-id'] || messageId, type: type as MeetEventType, subject: attributes['ce-subject'], conferenceRecord: record };
}

/** Workspace Events lifecycle events of a subscription (https://developers.google.com/workspace/events/guides/events-lifecycle). */
export const LIFECYCLE_EVENT_TYPES = [
  'google.workspace.events.subscription.v1.expirationReminder',
  'google.workspace.events.subscription.v1.suspended',
  'google.workspace.events.subscription.v1.expired',
] as const;

const lifecycleSchema = z.object({
  subscription: z.object({ name: z.string().regex(/^subscriptions\/[^/]+$/), suspensionReason: z.string().optional() }),
});

/** A lifecycle event: which subscription, what happened to it, and why (suspensions name a reason). */
export type LifecycleEvent = {
  id: string;
  type: (typeof LIFECYCLE_EVENT_TYPES)[number];
  subscription: string;
  reason: string | undefined;
};

/** The lifecycle event inside a push envelope; undefined for other types. @throws Error naming what is malformed */
export function lifecycleEventOf(envelope: z.infer<typeof pushEnvelopeSchema>): LifecycleEvent | undefined {
  const { attributes, data, messageId } = envelope.message;
  const type = attributes['ce-type'];
  if (!type || !(LIFECYCLE_EVENT_TYPES as readonly string[]).includes(type)) return undefined;
  const payload = lifecycleSchema.safeParse(decodeData(data));
  if (!payload.success) throw new Error('message.data: subscription.name must be subscriptions/{id}');
  return {
    id: attributes['ce-id'] || messageId,
    type: type as LifecycleEvent['type'],
    subscription: payload.data.subscription.name,
    reason: payload.data.subscription.suspensionReason,
  };
}
