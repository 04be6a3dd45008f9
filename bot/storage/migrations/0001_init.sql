-- quizbot schema, version 1.
-- Datetimes are fixed-width UTC ISO-8601 text ("2025-01-31T09:00:00.000000+00:00"): text order is
-- time order, and substr(x, 1, 10) is the UTC day.
-- schema_version itself is created by bot/storage/migrate.py, which must read it before this runs.

CREATE TABLE learners (
    id        INTEGER PRIMARY KEY,
    platform  TEXT NOT NULL,
    workspace TEXT NOT NULL,
    user      TEXT NOT NULL,
    UNIQUE (platform, workspace, user)
);

CREATE TABLE card_states (
    learner_id   INTEGER NOT NULL REFERENCES learners (id),
    deck_id      TEXT NOT NULL,
    card_id      TEXT NOT NULL,
    phase        INTEGER NOT NULL,
    step         INTEGER,
    stability    REAL,
    difficulty   REAL,
    due          TEXT,
    last_review  TEXT,
    reps         INTEGER NOT NULL DEFAULT 0,
    lapses       INTEGER NOT NULL DEFAULT 0,
    wrong_streak INTEGER NOT NULL DEFAULT 0,
    first_seen   TEXT NOT NULL,
    PRIMARY KEY (learner_id, deck_id, card_id)
) WITHOUT ROWID;

CREATE INDEX card_states_due ON card_states (learner_id, due);

CREATE TABLE review_log (
    id          INTEGER PRIMARY KEY,
    answer_id   TEXT NOT NULL UNIQUE,
    learner_id  INTEGER NOT NULL REFERENCES learners (id),
    deck_id     TEXT NOT NULL,
    card_id     TEXT NOT NULL,
    format      TEXT NOT NULL,
    rating      INTEGER NOT NULL CHECK (rating BETWEEN 1 AND 4),
    correct     INTEGER NOT NULL CHECK (correct IN (0, 1)),
    points      INTEGER NOT NULL,
    answered_at TEXT NOT NULL,
    duration_ms INTEGER,
    session_id  TEXT,
    response    TEXT NOT NULL DEFAULT ''
);

CREATE INDEX review_log_learner_time ON review_log (learner_id, answered_at);

-- Leaderboards: one row per (board, user), updated in the answer's own transaction.
-- deck_id '' is the all-decks board.
CREATE TABLE scores (
    platform   TEXT NOT NULL,
    workspace  TEXT NOT NULL,
    period_key TEXT NOT NULL,
    deck_id    TEXT NOT NULL DEFAULT '',
    user       TEXT NOT NULL,
    points     INTEGER NOT NULL DEFAULT 0,
    answers    INTEGER NOT NULL DEFAULT 0,
    correct    INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (platform, workspace, period_key, deck_id, user)
) WITHOUT ROWID;

CREATE INDEX scores_board
    ON scores (platform, workspace, period_key, deck_id, points DESC, correct DESC, user);

CREATE TABLE card_records (
    platform  TEXT NOT NULL,
    workspace TEXT NOT NULL,
    deck_id   TEXT NOT NULL,
    card_id   TEXT NOT NULL,
    attempts  INTEGER NOT NULL DEFAULT 0,
    correct   INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (platform, workspace, deck_id, card_id)
) WITHOUT ROWID;

-- A StudySession as JSON (bot/storage/codec.py), plus the columns queries filter on.
CREATE TABLE sessions (
    id         TEXT PRIMARY KEY,
    learner_id INTEGER NOT NULL REFERENCES learners (id),
    data       TEXT NOT NULL,
    answered   INTEGER NOT NULL DEFAULT 0,
    updated_at TEXT NOT NULL,
    ended_at   TEXT
);

CREATE INDEX sessions_learner_ended ON sessions (learner_id, ended_at);
