CREATE TYPE "public"."host_event_status" AS ENUM('pending', 'delivered', 'refused', 'failed');--> statement-breakpoint
CREATE TABLE "host_events" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"session_id" uuid NOT NULL,
	"type" varchar(64) NOT NULL,
	"data" jsonb NOT NULL,
	"status" "host_event_status" DEFAULT 'pending' NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"last_error" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"delivered_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "webhook_receipts" (
	"webhook_id" varchar(255) PRIMARY KEY NOT NULL,
	"type" varchar(100) NOT NULL,
	"outcome" varchar(32) NOT NULL,
	"received_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "sessions" ADD COLUMN "host_updated_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "solvers" ADD COLUMN "host_updated_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "host_events" ADD CONSTRAINT "host_events_session_id_sessions_id_fk" FOREIGN KEY ("session_id") REFERENCES "public"."sessions"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "host_events_session_idx" ON "host_events" USING btree ("session_id","created_at");