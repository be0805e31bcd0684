CREATE TABLE "meet_conference_records" (
	"name" varchar(255) PRIMARY KEY NOT NULL,
	"space_name" varchar(128) NOT NULL,
	"start_time" timestamp with time zone,
	"end_time" timestamp with time zone,
	"participants" jsonb NOT NULL,
	"read_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE INDEX "meet_conference_records_space_name_idx" ON "meet_conference_records" USING btree ("space_name");