-- Evidence by format, as ../0007_review_source.sql: every review-log row says where the answer
-- was given and which rating FSRS reviewed the card with (NULL: only logged).
ALTER TABLE review_log ADD COLUMN source TEXT NOT NULL DEFAULT 'study'
    CHECK (source IN ('study', 'quiz', 'daily', 'competition'));
ALTER TABLE review_log ADD COLUMN scheduled INTEGER CHECK (scheduled BETWEEN 1 AND 4);

-- Rows written before this migration: every answer was reviewed with its own rating, and the
-- answer id or the session's mode says where it came from.
UPDATE review_log SET scheduled = rating;
UPDATE review_log SET source = 'daily' WHERE answer_id LIKE 'daily:%';
UPDATE review_log SET source = 'competition' WHERE answer_id LIKE 'compete:%';
UPDATE review_log SET source = 'quiz'
    WHERE session_id IN (SELECT id FROM sessions WHERE data::jsonb ->> 'mode' = 'quiz');

-- Per-group FSRS parameters (bot/app/fitting.py): the latest fit of each workspace.
CREATE TABLE fsrs_params (
    platform          TEXT NOT NULL,
    workspace         TEXT NOT NULL,
    parameters        TEXT NOT NULL,
    accepted          INTEGER NOT NULL CHECK (accepted IN (0, 1)),
    reviews           INTEGER NOT NULL,
    log_loss          DOUBLE PRECISION NOT NULL,
    default_log_loss  DOUBLE PRECISION NOT NULL,
    rmse_bins         DOUBLE PRECISION NOT NULL,
    default_rmse_bins DOUBLE PRECISION NOT NULL,
    learning          DOUBLE PRECISION NOT NULL,
    default_learning  DOUBLE PRECISION NOT NULL,
    note              TEXT NOT NULL DEFAULT '',
    fitted_at         TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (platform, workspace)
);

-- One weekly refit per workspace, whichever process claims it first.
CREATE TABLE fsrs_fit_claims (
    platform   TEXT NOT NULL,
    workspace  TEXT NOT NULL,
    week       TEXT NOT NULL,
    claimed_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (platform, workspace, week)
);
