-- Study-group competitions (bot/storage/postgres/competitions.py), as ../0004_competitions.sql.
-- A competition's whole game state is JSON in `data`; at most one active competition per
-- channel, enforced by a partial unique index.

CREATE TABLE competitions (
    id         TEXT PRIMARY KEY,
    platform   TEXT NOT NULL,
    workspace  TEXT NOT NULL,
    channel    TEXT NOT NULL,
    phase      TEXT NOT NULL,
    data       TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);

CREATE UNIQUE INDEX competitions_one_active_per_channel ON competitions (platform, workspace, channel)
    WHERE phase IN ('lobby', 'round', 'between_rounds');

-- One answer per player per round; written in the same transaction as the review log row.
CREATE TABLE competition_answers (
    competition_id TEXT NOT NULL REFERENCES competitions (id),
    round          INTEGER NOT NULL,
    "user"         TEXT COLLATE "C" NOT NULL,
    option         INTEGER NOT NULL,
    correct        INTEGER NOT NULL CHECK (correct IN (0, 1)),
    points         INTEGER NOT NULL,
    answered_at    TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (competition_id, round, "user")
);

-- The competitions leaderboard: points summed as they are scored, so a stop or a crash loses none.
CREATE TABLE competition_scores (
    platform  TEXT NOT NULL,
    workspace TEXT NOT NULL,
    "user"    TEXT COLLATE "C" NOT NULL,
    points    BIGINT NOT NULL DEFAULT 0,
    answers   BIGINT NOT NULL DEFAULT 0,
    correct   BIGINT NOT NULL DEFAULT 0,
    played    BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (platform, workspace, "user")
);

CREATE INDEX competition_scores_board
    ON competition_scores (platform, workspace, points DESC, correct DESC, "user");
