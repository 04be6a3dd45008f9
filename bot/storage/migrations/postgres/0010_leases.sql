-- Several bot processes on one database, as ../0009_leases.sql: leases on daily posts and on
-- competitions' timers.

ALTER TABLE daily_runs ADD COLUMN lease_until TIMESTAMPTZ;

ALTER TABLE competitions ADD COLUMN owner TEXT NOT NULL DEFAULT '';
ALTER TABLE competitions ADD COLUMN lease_until TIMESTAMPTZ;
