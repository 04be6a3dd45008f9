-- new_cards_since() counts a learner's cards by first_seen for the daily new-card limit.
CREATE INDEX card_states_first_seen ON card_states (learner_id, first_seen);
