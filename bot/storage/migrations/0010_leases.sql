-- Several bot processes on one database (bot/app/daily.py,
-- bot/app/competitions.py). What one process started and may die in the middle of is leased:
-- another process takes it over once the lease lapses.

-- A daily run being posted (questions, or results after its close) holds a lease until its
-- message is out; NULL when nothing is in flight. A run whose lease lapsed is posted again by
-- whichever process claims it, with the same message nonce.
ALTER TABLE daily_runs ADD COLUMN lease_until TEXT;

-- The process whose timer runs a competition, renewed while it lives; a survivor takes over a
-- competition whose lease lapsed, and every save checks the owner, so a round is closed once.
ALTER TABLE competitions ADD COLUMN owner TEXT NOT NULL DEFAULT '';
ALTER TABLE competitions ADD COLUMN lease_until TEXT;
