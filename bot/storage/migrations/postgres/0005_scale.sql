-- Scale, as ../0005_scale.sql: the next question and the stats read a learner's card states from
-- this index (due cards, weakest first, with a LIMIT) instead of loading every row.
CREATE INDEX card_states_review
    ON card_states (learner_id, due, last_review, stability, phase);

-- card_states_review starts with the same (learner_id, due).
DROP INDEX card_states_due;
