CREATE TYPE "public"."meet_link_source" AS ENUM('calendar', 'fallback', 'captured');--> statement-breakpoint
CREATE TYPE "public"."session_status" AS ENUM('active', 'ended');--> statement-breakpoint
CREATE TYPE "public"."sms_status" AS ENUM('queued', 'accepted', 'sent', 'delivered', 'undelivered', 'failed', 'skipped');--> statement-breakpoint
CREATE TYPE "public"."solver_employment" AS ENUM('employed', 'contract');--> statement-breakpoint
CREATE TABLE "audit_events" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"session_id" uuid,
	"solver_id" uuid,
	"actor" varchar(64) NOT NULL,
	"action" varchar(64) NOT NULL,
	"details" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "sessions" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"solver_id" uuid NOT NULL,
	"customer_name" varchar(255) NOT NULL,
	"customer_phone" varchar(16) NOT NULL,
	"status" "session_status" DEFAULT 'active' NOT NULL,
	"meet_link" text,
	"meet_link_source" "meet_link_source",
	"meet_link_created_at" timestamp with time zone,
	"calendar_event_id" text,
	"calendar_id" varchar(255),
	"ended_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "sms_deliveries" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"session_id" uuid NOT NULL,
	"to_number" varchar(16) NOT NULL,
	"body" text NOT NULL,
	"status" "sms_status" DEFAULT 'queued' NOT NULL,
	"twilio_sid" varchar(64),
	"error_code" varchar(32),
	"error_message" text,
	"attempts" integer DEFAULT 0 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "solvers" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"name" varchar(255) NOT NULL,
	"email" varchar(255) NOT NULL,
	"employment" "solver_employment" DEFAULT 'contract' NOT NULL,
	"google_email" varchar(255),
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "audit_events" ADD CONSTRAINT "audit_events_session_id_sessions_id_fk" FOREIGN KEY ("session_id") REFERENCES "public"."sessions"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "audit_events" ADD CONSTRAINT "audit_events_solver_id_solvers_id_fk" FOREIGN KEY ("solver_id") REFERENCES "public"."solvers"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sessions" ADD CONSTRAINT "sessions_solver_id_solvers_id_fk" FOREIGN KEY ("solver_id") REFERENCES "public"."solvers"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sms_deliveries" ADD CONSTRAINT "sms_deliveries_session_id_sessions_id_fk" FOREIGN KEY ("session_id") REFERENCES "public"."sessions"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "audit_events_session_idx" ON "audit_events" USING btree ("session_id","created_at");--> statement-breakpoint
CREATE INDEX "sessions_solver_status_idx" ON "sessions" USING btree ("solver_id","status","created_at");--> statement-breakpoint
CREATE INDEX "sms_deliveries_session_idx" ON "sms_deliveries" USING btree ("session_id","created_at");--> statement-breakpoint
CREATE UNIQUE INDEX "sms_deliveries_twilio_sid_unique" ON "sms_deliveries" USING btree ("twilio_sid") WHERE "sms_deliveries"."twilio_sid" is not null;--> statement-breakpoint
CREATE UNIQUE INDEX "solvers_email_unique" ON "solvers" USING btree ("email");--> statement-breakpoint
CREATE INDEX "solvers_google_email_idx" ON "solvers" USING btree ("google_email");