DROP INDEX "solvers_google_email_idx";--> statement-breakpoint
ALTER TABLE "solvers" ADD COLUMN "disabled" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "solvers" ADD COLUMN "token_version" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
CREATE UNIQUE INDEX "solvers_google_email_unique" ON "solvers" USING btree ("google_email");