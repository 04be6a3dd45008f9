"""What must hold in a database after any crash: recomputed from the review log, it agrees."""

from __future__ import annotations

import sqlite3
from pathlib import Path


def logged_ids(log: Path) -> list[str]:
    """Answer ids from complete lines only: a kill may cut the last line short."""
    text = log.read_text() if log.exists() else ""
    return [line for line in text.split("\n")[:-1] if line]


def check_consistent(db: Path, logged: list[str] | None = None) -> int:
    """Assert integrity and that states, scores, records and sessions match the review log
    (card states its rows that moved the schedule). Returns the number of reviews."""
    conn = sqlite3.connect(db)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
        if logged is not None:
            assert len(set(logged)) == len(logged), "a logged answer was reported twice"
            found = dict(
                conn.execute(
                    "SELECT answer_id, count(*) FROM review_log GROUP BY answer_id"
                ).fetchall()
            )
            missing = [a for a in logged if a not in found]
            assert not missing, f"{len(missing)} answers told 'recorded' are lost: {missing[:5]}"
            assert all(n == 1 for n in found.values())
        bad_states = conn.execute(
            "SELECT s.person_id, s.card_id, s.reps, count(r.id), s.last_review, max(r.answered_at)"
            " FROM card_states s JOIN people p ON p.id = s.person_id"
            " LEFT JOIN learners l ON l.platform = p.platform AND l.user = p.user"
            " LEFT JOIN review_log r ON r.learner_id = l.id"
            " AND r.deck_id = s.deck_id AND r.card_id = s.card_id AND r.scheduled IS NOT NULL"
            " GROUP BY s.person_id, s.deck_id, s.card_id"
            " HAVING s.reps != count(r.id) OR s.last_review IS NOT max(r.answered_at)"
        ).fetchall()
        assert not bad_states, f"card states disagree with the review log: {bad_states[:5]}"
        orphans = conn.execute(
            "SELECT count(*) FROM review_log r JOIN learners l ON l.id = r.learner_id"
            " WHERE r.scheduled IS NOT NULL"
            " AND NOT EXISTS (SELECT 1 FROM card_states s JOIN people p ON p.id = s.person_id"
            " WHERE p.platform = l.platform AND p.user = l.user AND s.deck_id = r.deck_id"
            " AND s.card_id = r.card_id)"
        ).fetchone()[0]
        assert orphans == 0, f"{orphans} reviews without a card state"
        bad_scores = conn.execute(
            "SELECT l.user, s.answers, s.correct, s.points, t.n, t.k, t.p FROM learners l"
            " JOIN (SELECT learner_id, count(*) n, sum(correct) k, sum(points) p FROM review_log"
            " GROUP BY learner_id) t ON t.learner_id = l.id"
            " LEFT JOIN scores s ON s.platform = l.platform AND s.workspace = l.workspace"
            " AND s.user = l.user AND s.period_key = 'all' AND s.deck_id = ''"
            " WHERE s.answers IS NOT t.n OR s.correct IS NOT t.k OR s.points IS NOT t.p"
        ).fetchall()
        assert not bad_scores, f"scores disagree with the review log: {bad_scores[:5]}"
        extra_scores = conn.execute(
            "SELECT count(*) FROM scores s WHERE s.period_key = 'all' AND s.deck_id = ''"
            " AND s.answers != (SELECT count(*) FROM review_log r JOIN learners l"
            " ON l.id = r.learner_id WHERE l.platform = s.platform"
            " AND l.workspace = s.workspace AND l.user = s.user)"
        ).fetchone()[0]
        assert extra_scores == 0
        bad_records = conn.execute(
            "SELECT c.card_id FROM card_records c WHERE c.attempts != (SELECT count(*)"
            " FROM review_log r JOIN learners l ON l.id = r.learner_id"
            " WHERE l.platform = c.platform AND l.workspace = c.workspace"
            " AND r.deck_id = c.deck_id AND r.card_id = c.card_id)"
        ).fetchall()
        assert not bad_records, f"group records disagree: {bad_records[:5]}"
        bad_sessions = conn.execute(
            "SELECT s.id, s.answered, count(r.id) FROM sessions s"
            " LEFT JOIN review_log r ON r.session_id = s.id GROUP BY s.id"
            " HAVING s.answered != count(r.id)"
        ).fetchall()
        assert not bad_sessions, f"sessions disagree with the review log: {bad_sessions[:5]}"
        return conn.execute("SELECT count(*) FROM review_log").fetchone()[0]
    finally:
        conn.close()
