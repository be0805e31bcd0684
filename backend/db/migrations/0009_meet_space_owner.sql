ALTER TABLE "meet_spaces" ADD COLUMN "owner_email" varchar(255);--> statement-breakpoint
-- Rooms made before: a Calendar-made room belongs to its calendar; a captured one stays with the current solver.
UPDATE "meet_spaces" SET "owner_email" = "sessions"."calendar_id" FROM "sessions" WHERE "sessions"."id" = "meet_spaces"."session_id" AND "sessions"."calendar_id" IS NOT NULL;
