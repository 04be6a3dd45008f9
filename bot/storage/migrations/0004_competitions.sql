-- Study-group competitions (bot/storage/competitions.py). A competition's whole game state is JSON
-- in `data` (bot/core/competition.py, encoded by bot/storage/codec.py); the columns are what
-- queries filter on. At most one active competition per channel, enforced by a partial index.

CREATE TABLE competitions (
    id         TEXT PRIMARY KEY,
    platform   TEXT NOT NULL,
    workspace  TEXT NOT NULL,
    channel    TEXT NOT NULL,
    phase      TEXT NOT NULL,
    data       TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

CREATE UNIQUE INDEX competitions_one_active_per_channel ON competitions (platform, workspace, channel)
    WHERE phase IN ('lobby', 'round', 'between_rounds');

-- One answer per player per round; written in the same transaction as the review log row.
CREATE TABLE competition_answers (
    competition_id TEXT NOT NULL REFERENCES competitions (id),
    round          INTEGER NOT NULL,
    user           TEXT NOT NULL,
    option         INTEGER NOT NULL,
    correct        INTEGER NOT NULL CHECK (correct IN (0, 1)),
    points         INTEGER NOT NULL,
    answered_at    TEXT NOT NULL,
    PRIMARY KEY (competition_id, round, user)
) WITHOUT ROWID;

-- The competitions leaderboard: points summed as they are scored, so a stop or a crash loses none.
CREATE TABLE competition_scores (
    platform  TEXT NOT NULL,
    workspace TEXT NOT NULL,
    user      TEXT NOT NULL,
    points    INTEGER NOT NULL DEFAULT 0,
    answers   INTEGER NOT NULL DEFAULT 0,
    correct   INTEGER NOT NULL DEFAULT 0,
    played    INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (platform, workspace, user)
) WITHOUT ROWID;

CREATE INDEX competition_scores_board
    ON competition_scores (platform, workspace, points DESC, correct DESC, user);
