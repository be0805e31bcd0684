-- Rate-limit counters only matter for a minute or ten: skipping the WAL makes each hit commit without waiting
-- for a disk flush. After a crash Postgres empties the table, which only restarts the current windows.
ALTER TABLE "rate_limits" SET UNLOGGED;
