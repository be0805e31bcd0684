CREATE TABLE "meet_event_subscriptions" (
	"target_resource" varchar(255) PRIMARY KEY NOT NULL,
	"name" varchar(255),
	"subject" varchar(320) NOT NULL,
	"state" varchar(16) NOT NULL,
	"operation" varchar(255),
	"expire_time" timestamp with time zone,
	"problem" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
