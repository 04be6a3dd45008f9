-- Events already handled, shared by every instance, as ../0011_seen_events.sql.
CREATE TABLE seen_events (
    platform   TEXT NOT NULL,
    event_id   TEXT NOT NULL,
    workspace  TEXT NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (platform, event_id)
);
CREATE INDEX seen_events_expiry ON seen_events (expires_at);
