-- Scale (bench/scale.py): the next question and the stats read a learner's card states from this
-- covering index instead of loading every row. A WITHOUT ROWID index carries the primary key
-- (learner_id, deck_id, card_id) too, so
--   due cards, weakest first:  SEARCH card_states USING COVERING INDEX card_states_review
--                              (learner_id=? AND due<?)  + USE TEMP B-TREE FOR ORDER BY (top-k)
-- reads only index entries (a top-k sort of the due ones, no table row). Stats aggregate per deck
-- on the clustered primary key (learner_id=?), one range, nothing decoded in Python.
CREATE INDEX card_states_review
    ON card_states (learner_id, due, last_review, stability, phase);

-- card_states_review starts with the same (learner_id, due), so this one only cost a second
-- index update on every answer.
DROP INDEX card_states_due;
