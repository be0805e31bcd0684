CREATE TYPE "public"."meet_access_state" AS ENUM('pending', 'applied', 'unchanged', 'failed');--> statement-breakpoint
CREATE TABLE "meet_spaces" (
	"session_id" uuid PRIMARY KEY NOT NULL,
	"meeting_code" varchar(32) NOT NULL,
	"space_name" varchar(128),
	"access_state" "meet_access_state" DEFAULT 'pending' NOT NULL,
	"access_type" varchar(16),
	"access_problem" text,
	"customer_joined_at" timestamp with time zone,
	"customer_left_at" timestamp with time zone,
	"solver_joined_at" timestamp with time zone,
	"call_started_at" timestamp with time zone,
	"call_ended_at" timestamp with time zone,
	"poll_seq" integer DEFAULT 0 NOT NULL,
	"polling_stopped_at" timestamp with time zone,
	"retire_state" varchar(16),
	"retire_problem" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "sessions" ADD COLUMN "notify_pending" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "solvers" ADD COLUMN "google_account_id" varchar(64);--> statement-breakpoint
ALTER TABLE "meet_spaces" ADD CONSTRAINT "meet_spaces_session_id_sessions_id_fk" FOREIGN KEY ("session_id") REFERENCES "public"."sessions"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "meet_spaces_space_name_idx" ON "meet_spaces" USING btree ("space_name");