"""0007_people: per-workspace memories of one person merge into one, on a database made by the
schema before it."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

from bot.core.models import Learner
from bot.storage.migrate import load_migrations, migrate
from bot.storage.sqlite import SqliteRepository

BEFORE_PEOPLE = [m for m in load_migrations() if not m.name.endswith("_people.sql")]
PEOPLE = next(m for m in load_migrations() if m.name.endswith("_people.sql"))
T = "2025-01-0{}T09:00:00.000000+00:00"
STATE = (
    "INSERT INTO card_states (learner_id, deck_id, card_id, phase, stability, difficulty, due,"
    " last_review, reps, first_seen) VALUES (?, 'virt', ?, 2, ?, 5.0, ?, ?, ?, ?)"
)


def old_database(path: Path) -> None:
    """Ann studied card c1 in two servers (the later review in g2), c2 only in g1; Bob in g1."""
    conn = sqlite3.connect(path, isolation_level=None)
    migrate(conn, [m for m in BEFORE_PEOPLE if m.version < PEOPLE.version])
    conn.executemany(
        "INSERT INTO learners (id, platform, workspace, user) VALUES (?, 'discord', ?, ?)",
        [(1, "g1", "ann"), (2, "g2", "ann"), (3, "g1", "bob"), (4, "g1", "cy")],
    )
    conn.executemany(
        STATE,
        [
            (1, "c1", 1.5, T.format(3), T.format(2), 1, T.format(2)),
            (2, "c1", 9.0, T.format(9), T.format(4), 3, T.format(3)),
            (1, "c2", 2.0, T.format(5), T.format(3), 1, T.format(3)),
            (3, "c1", 4.0, T.format(6), T.format(1), 1, T.format(1)),
        ],
    )
    conn.executemany(
        "INSERT INTO review_log (answer_id, learner_id, deck_id, card_id, format, rating,"
        " correct, points, answered_at) VALUES (?, ?, 'virt', ?, 'typed', 3, 1, 10, ?)",
        [
            ("a1", 1, "c1", T.format(2)),
            ("a2", 2, "c1", T.format(3)),
            ("a3", 2, "c1", T.format(4)),
            ("a4", 1, "c2", T.format(3)),
            ("b1", 3, "c1", T.format(1)),
        ],
    )
    conn.executemany(
        "INSERT INTO daily_reminders (platform, workspace, user, last_reminded)"
        " VALUES ('discord', ?, ?, ?)",
        [("g1", "ann", "2025-01-02"), ("g2", "ann", None), ("g1", "bob", None)],
    )
    conn.close()


async def test_merge_keeps_the_latest_state_and_every_review(tmp_path: Path) -> None:
    """The g2 state (reviewed last) wins for c1 in both servers; nothing of the log is lost."""
    path = tmp_path / "old.sqlite3"
    old_database(path)
    repo = await SqliteRepository.open(path)
    try:
        for server in ("g1", "g2", "dm"):
            ann = Learner("discord", server, "ann")
            states = await repo.load_states(ann)
            assert set(states) == {("virt", "c1"), ("virt", "c2")}
            c1 = states[("virt", "c1")]
            assert (c1.stability, c1.reps) == (9.0, 3)
            assert c1.last_review == datetime(2025, 1, 4, 9, tzinfo=UTC)
            assert await repo.totals(ann) == (4, 4)
            # first sighting is the earliest of the merged rows (2 January, in g1)
            assert await repo.new_cards_since(ann, datetime(2025, 1, 2, 12, tzinfo=UTC)) == 1
        bob = await repo.load_states(Learner("discord", "g1", "bob"))
        assert bob[("virt", "c1")].stability == 4.0
        assert await repo.load_states(Learner("discord", "g1", "cy")) == {}
        with sqlite3.connect(path) as conn:
            assert conn.execute("SELECT count(*) FROM review_log").fetchone() == (5,)
            reminders = conn.execute(
                "SELECT user, last_reminded FROM daily_reminders ORDER BY user"
            ).fetchall()
            assert reminders == [("ann", "2025-01-02"), ("bob", None)]
            assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
    finally:
        await repo.close()
