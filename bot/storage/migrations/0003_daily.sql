-- Scheduled daily quizzes (bot/storage/daily.py): one schedule per channel, one run per channel
-- and local day (claimed before posting, so no day is posted twice), answers once per member
-- and question, and reminder opt-ins with the day they were last sent.

CREATE TABLE daily_schedules (
    platform   TEXT NOT NULL,
    workspace  TEXT NOT NULL,
    channel    TEXT NOT NULL,
    post_time  TEXT NOT NULL,            -- local HH:MM
    timezone   TEXT NOT NULL,            -- IANA name
    questions  INTEGER NOT NULL CHECK (questions BETWEEN 1 AND 25),
    deck_id    TEXT,
    close_time TEXT,                     -- local HH:MM, or NULL: closes at the next post
    since      TEXT NOT NULL,            -- when it was set (UTC)
    set_by     TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (platform, workspace, channel)
) WITHOUT ROWID;

CREATE TABLE daily_runs (
    id           INTEGER PRIMARY KEY,
    platform     TEXT NOT NULL,
    workspace    TEXT NOT NULL,
    channel      TEXT NOT NULL,
    local_date   TEXT NOT NULL,          -- YYYY-MM-DD in the schedule's zone
    status       TEXT NOT NULL CHECK (status IN ('posted', 'skipped')),
    questions    TEXT NOT NULL DEFAULT '[]',  -- JSON: the questions with their fixed options
    close_at     TEXT,
    claimed_at   TEXT NOT NULL,
    posted_at    TEXT,
    closed_at    TEXT,
    message_refs TEXT NOT NULL DEFAULT '[]',
    note         TEXT NOT NULL DEFAULT '',
    UNIQUE (platform, workspace, channel, local_date)
);

CREATE INDEX daily_runs_open ON daily_runs (platform, closed_at);

CREATE TABLE daily_answers (
    run_id      INTEGER NOT NULL REFERENCES daily_runs (id),
    question    INTEGER NOT NULL,
    user        TEXT NOT NULL,
    name        TEXT NOT NULL DEFAULT '',
    choice      INTEGER NOT NULL,
    correct     INTEGER NOT NULL CHECK (correct IN (0, 1)),
    answered_at TEXT NOT NULL,
    PRIMARY KEY (run_id, question, user)
) WITHOUT ROWID;

CREATE TABLE daily_reminders (
    platform      TEXT NOT NULL,
    workspace     TEXT NOT NULL,
    user          TEXT NOT NULL,
    last_reminded TEXT,                  -- UTC YYYY-MM-DD
    PRIMARY KEY (platform, workspace, user)
) WITHOUT ROWID;
