CREATE TABLE "ended_session_ids" (
	"session_id" uuid PRIMARY KEY NOT NULL,
	"ended_at" timestamp with time zone NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "meet_spaces" ADD COLUMN "owner_email" varchar(255);--> statement-breakpoint
ALTER TABLE "solvers" ADD COLUMN "disabled_by" varchar(64);--> statement-breakpoint
ALTER TABLE "solvers" ADD COLUMN "disabled_at" timestamp with time zone;--> statement-breakpoint
-- Rooms made before: a Calendar-made room belongs to its calendar; a captured one stays with the current solver.
UPDATE "meet_spaces" SET "owner_email" = "sessions"."calendar_id" FROM "sessions" WHERE "sessions"."id" = "meet_spaces"."session_id" AND "sessions"."calendar_id" IS NOT NULL;
