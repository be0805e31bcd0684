import { sql } from 'drizzle-orm';
import { boolean, index, integer, jsonb, pgEnum, pgTable, text, timestamp, uniqueIndex, uuid, varchar } from 'drizzle-orm/pg-core';
import {
  HOST_EVENT_STATUSES,
  MEET_ACCESS_STATES,
  MEET_LINK_SOURCES,
  SESSION_STATUSES,
  SMS_STATUSES,
  SOLVER_EMPLOYMENT,
} from '../../shared/index.ts';

export const solverEmploymentEnum = pgEnum('solver_employment', SOLVER_EMPLOYMENT);
export const sessionStatusEnum = pgEnum('session_status', SESSION_STATUSES);
export const meetLinkSourceEnum = pgEnum('meet_link_source', MEET_LINK_SOURCES);
export const smsStatusEnum = pgEnum('sms_status', SMS_STATUSES);

const createdAt = () => timestamp('created_at', { withTimezone: true }).notNull().defaultNow();
const updatedAt = () => timestamp('updated_at', { withTimezone: true }).notNull().defaultNow();

export const solvers = pgTable(
  'solvers',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    name: varchar('name', { length: 255 }).notNull(),
    /** Login email, stored lower-case. */
    email: varchar('email', { length: 255 }).notNull(),
    employment: solverEmploymentEnum('employment').notNull().default('contract'),
    /** Workspace account the service account acts as (delegation subject), stored lower-case. */
    googleEmail: varchar('google_email', { length: 255 }),
    /** A disabled solver can neither sign in nor use a token issued before. */
    disabled: boolean('disabled').notNull().default(false),
    /** Who disabled them (audit actor: `admin`, `savvysolve`); only an admin re-enables a solver an admin disabled. */
    disabledBy: varchar('disabled_by', { length: 64 }),
    disabledAt: timestamp('disabled_at', { withTimezone: true }),
    /** The solver's Google account id (tokeninfo `sub`, learnt at sign-in): `users/{id}` among Meet participants. */
    googleAccountId: varchar('google_account_id', { length: 64 }),
    /** Bumped when a permission is taken away: session tokens carry it, and an older one is refused (revocation). */
    tokenVersion: integer('token_version').notNull().default(0),
    /** Envelope time of the last `solver.upserted` applied: an older one is ignored. */
    hostUpdatedAt: timestamp('host_updated_at', { withTimezone: true }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  // Both emails are stored lower-case, so these are case-insensitive; one Google account is one solver.
  (table) => [uniqueIndex('solvers_email_unique').on(table.email), uniqueIndex('solvers_google_email_unique').on(table.googleEmail)],
);

export const sessions = pgTable(
  'sessions',
  {
    /** SavvySolve's own session id (the one in the session page URL); generated only for sessions made here. */
    id: uuid('id').primaryKey().defaultRandom(),
    solverId: uuid('solver_id')
      .notNull()
      .references(() => solvers.id),
    customerName: varchar('customer_name', { length: 255 }).notNull(),
    customerPhone: varchar('customer_phone', { length: 16 }).notNull(),
    status: sessionStatusEnum('status').notNull().default('active'),
    meetLink: text('meet_link'),
    meetLinkSource: meetLinkSourceEnum('meet_link_source'),
    meetLinkCreatedAt: timestamp('meet_link_created_at', { withTimezone: true }),
    /** The link is stored but its SMS, messages and audit entry are not queued yet (backend/meet/link-fanout.ts). */
    fanoutPending: boolean('fanout_pending').notNull().default(false),
    /** The customer's SMS and system message wait for the Meet access step, at most a few seconds (link-fanout.ts). */
    notifyPending: boolean('notify_pending').notNull().default(false),
    calendarEventId: text('calendar_event_id'),
    /** The calendar (solver's Google email) the event lives on. */
    calendarId: varchar('calendar_id', { length: 255 }),
    endedAt: timestamp('ended_at', { withTimezone: true }),
    /** `occurredAt` of the last host event applied: an older one never overwrites newer state. */
    hostUpdatedAt: timestamp('host_updated_at', { withTimezone: true }),
    createdAt: createdAt(),
  },
  (table) => [
    index('sessions_solver_status_idx').on(table.solverId, table.status, table.createdAt),
    index('sessions_fanout_pending_idx')
      .on(table.meetLinkCreatedAt)
      .where(sql`${table.fanoutPending}`),
  ],
);

export const smsDeliveries = pgTable(
  'sms_deliveries',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    sessionId: uuid('session_id')
      .notNull()
      .references(() => sessions.id),
    toNumber: varchar('to_number', { length: 16 }).notNull(),
    body: text('body').notNull(),
    status: smsStatusEnum('status').notNull().default('queued'),
    twilioSid: varchar('twilio_sid', { length: 64 }),
    errorCode: varchar('error_code', { length: 32 }),
    errorMessage: text('error_message'),
    attempts: integer('attempts').notNull().default(0),
    /** Set while a worker hands the SMS to Twilio; still set on a later run means that worker died mid-call. */
    handingOverAt: timestamp('handing_over_at', { withTimezone: true }),
    /** New sends after a `temporary` failure reported by a status callback (at most 2: backend/sms/carrier-retry.ts). */
    carrierRetries: integer('carrier_retries').notNull().default(0),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (table) => [
    index('sms_deliveries_session_idx').on(table.sessionId, table.createdAt),
    uniqueIndex('sms_deliveries_twilio_sid_unique')
      .on(table.twilioSid)
      .where(sql`${table.twilioSid} is not null`),
  ],
);

/**
 * Twilio messages of earlier attempts of a delivery that was sent again after a `temporary` failure: their late
 * callbacks change nothing, and no look-up (backend/sms/sms-worker.ts) adopts them as the new attempt's message.
 */
export const smsSupersededMessages = pgTable('sms_superseded_messages', {
  twilioSid: varchar('twilio_sid', { length: 64 }).primaryKey(),
  deliveryId: uuid('delivery_id')
    .notNull()
    .references(() => smsDeliveries.id),
  errorCode: varchar('error_code', { length: 32 }),
  createdAt: createdAt(),
});

/** When a `sender`/`content` code last alerted the admin: one alert per code per 10 minutes across all instances. */
export const smsAlerts = pgTable('sms_alerts', {
  errorCode: varchar('error_code', { length: 32 }).primaryKey(),
  lastAlertedAt: timestamp('last_alerted_at', { withTimezone: true }).notNull(),
  /** The last alert's sentence and session, for the doctor. */
  error: text('error').notNull(),
  sessionId: uuid('session_id'),
});

export const auditEvents = pgTable(
  'audit_events',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    sessionId: uuid('session_id').references(() => sessions.id),
    solverId: uuid('solver_id').references(() => solvers.id),
    /** `solver:<id>`, `admin`, `system` (workers), `twilio` (status callbacks), `savvysolve` (host webhooks and pulls). */
    actor: varchar('actor', { length: 64 }).notNull(),
    action: varchar('action', { length: 64 }).notNull(),
    details: jsonb('details').$type<Record<string, unknown>>().notNull().default({}),
    createdAt: createdAt(),
  },
  (table) => [index('audit_events_session_idx').on(table.sessionId, table.createdAt)],
);

/**
 * Fixed-window counters shared by every instance (per-solver limits hold across a load balancer). UNLOGGED
 * (migration 0004): a crash restarts the windows, and a hit never waits for a WAL flush.
 */
export const rateLimits = pgTable('rate_limits', {
  key: varchar('key', { length: 200 }).primaryKey(),
  windowStart: timestamp('window_start', { withTimezone: true }).notNull(),
  count: integer('count').notNull(),
});

export const hostEventStatusEnum = pgEnum('host_event_status', HOST_EVENT_STATUSES);

/** Inbound webhook ids already applied (Standard Webhooks `webhook-id`): the same id again is applied once. */
export const webhookReceipts = pgTable('webhook_receipts', {
  webhookId: varchar('webhook_id', { length: 255 }).primaryKey(),
  type: varchar('type', { length: 100 }).notNull(),
  outcome: varchar('outcome', { length: 32 }).notNull(),
  receivedAt: timestamp('received_at', { withTimezone: true }).notNull().defaultNow(),
});

/**
 * Tombstones: `session.ended` for a session id this backend never stored. An older `session.upserted` arriving
 * later must not create it (backend/sessions/session-tombstones.ts); removed by housekeeping after 30 days.
 */
export const endedSessionIds = pgTable('ended_session_ids', {
  sessionId: uuid('session_id').primaryKey(),
  /** The event's `occurredAt`. */
  endedAt: timestamp('ended_at', { withTimezone: true }).notNull(),
  createdAt: createdAt(),
});

/** Outbound events to the host, one row per event: its id is the `webhook-id` of every attempt. */
export const hostEvents = pgTable(
  'host_events',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    sessionId: uuid('session_id')
      .notNull()
      .references(() => sessions.id),
    type: varchar('type', { length: 64 }).notNull(),
    data: jsonb('data').$type<Record<string, unknown>>().notNull(),
    status: hostEventStatusEnum('status').notNull().default('pending'),
    attempts: integer('attempts').notNull().default(0),
    lastError: text('last_error'),
    createdAt: createdAt(),
    deliveredAt: timestamp('delivered_at', { withTimezone: true }),
  },
  (table) => [index('host_events_session_idx').on(table.sessionId, table.createdAt)],
);

export const meetAccessStateEnum = pgEnum('meet_access_state', MEET_ACCESS_STATES);

/**
 * The Meet space behind a session's link (Meet REST API v2): the access step, attendance from conference records,
 * and retirement at the session's end (backend/meet-space/). Keyed on the space's `name`, never on the meeting
 * code, which Google may reuse.
 */
export const meetSpaces = pgTable(
  'meet_spaces',
  {
    sessionId: uuid('session_id')
      .primaryKey()
      .references(() => sessions.id),
    meetingCode: varchar('meeting_code', { length: 32 }).notNull(),
    /** `spaces/{id}`, once resolved. */
    spaceName: varchar('space_name', { length: 128 }),
    /**
     * The Google user who owns the space, whom the Meet API acts as for access, polling and retirement: the Calendar
     * event's organizer (the session's calendar) or the solver who captured the room. A reassignment does not move it.
     */
    ownerEmail: varchar('owner_email', { length: 255 }),
    accessState: meetAccessStateEnum('access_state').notNull().default('pending'),
    accessType: varchar('access_type', { length: 16 }),
    accessProblem: text('access_problem'),
    customerJoinedAt: timestamp('customer_joined_at', { withTimezone: true }),
    customerLeftAt: timestamp('customer_left_at', { withTimezone: true }),
    solverJoinedAt: timestamp('solver_joined_at', { withTimezone: true }),
    callStartedAt: timestamp('call_started_at', { withTimezone: true }),
    callEndedAt: timestamp('call_ended_at', { withTimezone: true }),
    /** The attendance poll chain's position: a job whose number is not this one is stale (never polled twice). */
    pollSeq: integer('poll_seq').notNull().default(0),
    pollingStoppedAt: timestamp('polling_stopped_at', { withTimezone: true }),
    retireState: varchar('retire_state', { length: 16 }),
    retireProblem: text('retire_problem'),
    createdAt: createdAt(),
  },
  (table) => [index('meet_spaces_space_name_idx').on(table.spaceName)],
);

/**
 * Workspace Events subscriptions (MEET_ATTENDANCE_SOURCE=events), one per target resource: a space
 * `//meet.googleapis.com/spaces/{id}`, made before its customer is texted. Google deletes a subscription at its
 * `expireTime`.
 */
export const meetEventSubscriptions = pgTable('meet_event_subscriptions', {
  targetResource: varchar('target_resource', { length: 255 }).primaryKey(),
  /** `subscriptions/{id}` once Google has made (or we adopted) it. */
  name: varchar('name', { length: 255 }),
  /** Whom the subscription acts as (the delegation subject). */
  subject: varchar('subject', { length: 320 }).notNull(),
  /**
   * `active`, `pending` (the long-running operation was not done yet: `operation` names it), `failed`, or, from
   * lifecycle events, `suspended` / `expired`.
   */
  state: varchar('state', { length: 16 }).notNull(),
  operation: varchar('operation', { length: 255 }),
  expireTime: timestamp('expire_time', { withTimezone: true }),
  problem: text('problem'),
  createdAt: createdAt(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});

/** One participant of a stored conference record, as last read from Google (ISO times, `user` = `users/{id}`). */
export type StoredMeetParticipant = { user: string | null; earliestStartTime: string | null; latestEndTime: string | null };

/**
 * Conference records of our spaces as last read from Google (MEET_ATTENDANCE_SOURCE=events): the record → space
 * mapping, resolved once, and the record's times and participants, so a pushed event re-reads only its own record
 * (backend/meet-space/conference-records.ts). One row per call.
 */
export const meetConferenceRecords = pgTable(
  'meet_conference_records',
  {
    /** `conferenceRecords/{id}`. */
    name: varchar('name', { length: 255 }).primaryKey(),
    /** `spaces/{id}` the call was held in. */
    spaceName: varchar('space_name', { length: 128 }).notNull(),
    startTime: timestamp('start_time', { withTimezone: true }),
    endTime: timestamp('end_time', { withTimezone: true }),
    participants: jsonb('participants').$type<StoredMeetParticipant[]>().notNull(),
    readAt: timestamp('read_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [index('meet_conference_records_space_name_idx').on(table.spaceName)],
);

export const schema = {
  solvers,
  sessions,
  smsDeliveries,
  smsSupersededMessages,
  smsAlerts,
  auditEvents,
  rateLimits,
  webhookReceipts,
  endedSessionIds,
  hostEvents,
  meetSpaces,
  meetEventSubscriptions,
  meetConferenceRecords,
};
