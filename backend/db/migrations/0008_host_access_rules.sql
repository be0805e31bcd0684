CREATE TABLE "ended_session_ids" (
	"session_id" uuid PRIMARY KEY NOT NULL,
	"ended_at" timestamp with time zone NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "solvers" ADD COLUMN "disabled_by" varchar(64);--> statement-breakpoint
ALTER TABLE "solvers" ADD COLUMN "disabled_at" timestamp with time zone;