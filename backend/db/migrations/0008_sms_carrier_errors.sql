CREATE TABLE "sms_alerts" (
	"error_code" varchar(32) PRIMARY KEY NOT NULL,
	"last_alerted_at" timestamp with time zone NOT NULL,
	"error" text NOT NULL,
	"session_id" uuid
);
--> statement-breakpoint
CREATE TABLE "sms_superseded_messages" (
	"twilio_sid" varchar(64) PRIMARY KEY NOT NULL,
	"delivery_id" uuid NOT NULL,
	"error_code" varchar(32),
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "sms_deliveries" ADD COLUMN "carrier_retries" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "sms_superseded_messages" ADD CONSTRAINT "sms_superseded_messages_delivery_id_sms_deliveries_id_fk" FOREIGN KEY ("delivery_id") REFERENCES "public"."sms_deliveries"("id") ON DELETE no action ON UPDATE no action;