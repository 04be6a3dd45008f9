-- Slack in HTTP mode with several instances behind one address (bot/adapters/slack/seen.py):
-- a redelivered event (X-Slack-Retry-Num, the same event_id) may reach another instance than
-- the first delivery. The first instance to record the event id handles it; the others ack
-- and drop it. Rows expire after an hour (Slack retries within minutes) and hold no person's
-- data: a workspace's rows go with its purge.
CREATE TABLE seen_events (
    platform   TEXT NOT NULL,
    event_id   TEXT NOT NULL,
    workspace  TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    PRIMARY KEY (platform, event_id)
);
CREATE INDEX seen_events_expiry ON seen_events (expires_at);
