-- Several bot processes on one database, as ../0009_leases.sql: leases on daily posts and on
-- competitions' timers, and the events already handled.

ALTER TABLE daily_runs ADD COLUMN lease_until TIMESTAMPTZ;

ALTER TABLE competitions ADD COLUMN owner TEXT NOT NULL DEFAULT '';
ALTER TABLE competitions ADD COLUMN lease_until TIMESTAMPTZ;

CREATE TABLE seen_events (
    platform TEXT NOT NULL,
    event_id TEXT NOT NULL,
    seen_at  TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (platform, event_id)
);

CREATE INDEX seen_events_age ON seen_events (seen_at);
