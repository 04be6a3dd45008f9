-- Evidence by format (bot/core/evidence.py): every review-log row says where the answer was given
-- (study, quiz, daily, competition) and which rating FSRS reviewed the card with, NULL when the
-- answer was only logged (a right multiple-choice pick). The per-group FSRS fit reads only the
-- rows that moved the schedule.
ALTER TABLE review_log ADD COLUMN source TEXT NOT NULL DEFAULT 'study'
    CHECK (source IN ('study', 'quiz', 'daily', 'competition'));
ALTER TABLE review_log ADD COLUMN scheduled INTEGER CHECK (scheduled BETWEEN 1 AND 4);

-- Rows written before this migration: every answer was reviewed with its own rating, and the
-- answer id or the session's mode says where it came from.
UPDATE review_log SET scheduled = rating;
UPDATE review_log SET source = 'daily' WHERE answer_id LIKE 'daily:%';
UPDATE review_log SET source = 'competition' WHERE answer_id LIKE 'compete:%';
UPDATE review_log SET source = 'quiz'
    WHERE session_id IN (SELECT id FROM sessions WHERE json_extract(data, '$.mode') = 'quiz');
