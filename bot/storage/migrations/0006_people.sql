-- People (bot/storage/people.py): memory belongs to a person, points to a place.
-- A person is (platform, user id); a learner row stays "a person in a workspace" and still keys
-- the review log and the sessions (where an answer was given), while card states move from the
-- learner to the person. Per-workspace states of the same person are merged: the state with the
-- latest review wins, the first sighting is the earliest, and every review-log row is kept.

CREATE TABLE people (
    id       INTEGER PRIMARY KEY,
    platform TEXT NOT NULL,
    user     TEXT NOT NULL,
    timezone TEXT NOT NULL DEFAULT 'UTC',   -- IANA name; their streak's days (set by /remind)
    UNIQUE (platform, user)
);

INSERT INTO people (platform, user)
    SELECT DISTINCT platform, user FROM learners ORDER BY platform, user;

CREATE TABLE person_card_states (
    person_id    INTEGER NOT NULL REFERENCES people (id),
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
    PRIMARY KEY (person_id, deck_id, card_id)
) WITHOUT ROWID;

INSERT INTO person_card_states
    SELECT person_id, deck_id, card_id, phase, step, stability, difficulty, due, last_review,
           reps, lapses, wrong_streak, first_seen
    FROM (
        SELECT p.id AS person_id, s.deck_id, s.card_id, s.phase, s.step, s.stability,
               s.difficulty, s.due, s.last_review, s.reps, s.lapses, s.wrong_streak,
               min(s.first_seen) OVER same_card AS first_seen,
               row_number() OVER (
                   PARTITION BY p.id, s.deck_id, s.card_id
                   ORDER BY s.last_review DESC NULLS LAST, s.reps DESC, s.learner_id DESC
               ) AS pick
        FROM card_states s
        JOIN learners l ON l.id = s.learner_id
        JOIN people p ON p.platform = l.platform AND p.user = l.user
        WINDOW same_card AS (PARTITION BY p.id, s.deck_id, s.card_id)
    )
    WHERE pick = 1;

DROP TABLE card_states;

ALTER TABLE person_card_states RENAME TO card_states;

CREATE INDEX card_states_review ON card_states (person_id, due, last_review, stability, phase);

CREATE INDEX card_states_first_seen ON card_states (person_id, first_seen);

-- A person's history is the union of their learners' rows: find those rows by (platform, user).
CREATE INDEX learners_person ON learners (platform, user);

-- Reminders are the person's too: one opt-in per person, with the workspace to reach them in.
CREATE TABLE person_reminders (
    platform      TEXT NOT NULL,
    user          TEXT NOT NULL,
    workspace     TEXT NOT NULL,         -- where the direct message is sent from (Slack's token)
    last_reminded TEXT,                  -- UTC YYYY-MM-DD
    PRIMARY KEY (platform, user)
) WITHOUT ROWID;

INSERT INTO person_reminders (platform, user, workspace, last_reminded)
    SELECT platform, user, max(workspace), max(last_reminded)
    FROM daily_reminders GROUP BY platform, user;

DROP TABLE daily_reminders;

ALTER TABLE person_reminders RENAME TO daily_reminders;

-- A workspace the bot was removed from (Discord guild left, Slack app uninstalled): its group
-- data is purged once `left_at` is older than the grace period; coming back cancels it.
CREATE TABLE departures (
    platform  TEXT NOT NULL,
    workspace TEXT NOT NULL,
    left_at   TEXT NOT NULL,
    PRIMARY KEY (platform, workspace)
) WITHOUT ROWID;
