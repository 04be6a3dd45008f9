"""One batch of writes run as one transaction (group commit), on the writer thread.

A whole batch costs one hop to the thread and one fsync, however many answers it holds. The
answer path's writes (answers, session saves and advances) are also written together: a run of
them becomes a few multi-row statements instead of five or six statements per op. Each
statement lets go of the GIL while SQLite works and must win it back from the busy event loop;
measured with `bench/answer_path.py`, waiting for it was two fifths of the writer's time, and
the writer's statements fell from 52,665 to 2,571 for 10,000 answers.

Order is kept where it can matter. Any other op (a daily quiz's, a competition's) runs alone,
in its place, and ends a run. Inside a run no session is written by two ops (else the run goes
op by op), row ids are taken in op order, and review-log rows, card states, boards, card records
and sessions are each written in op order: the tables end as op-by-op would leave them. A
redelivered answer or a lost advance race changes fewer rows than the run has ops; the batch is
then rolled back and run again one op at a time, where each op gets its own outcome.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from bot.core.ports import StorageError
from bot.storage._writes import (
    ADVANCE,
    LOG_INSERT,
    LOG_KEEP_FIRST,
    RECORD_ADD,
    RECORD_INSERT,
    RECORD_ROW,
    SCORE_ADD,
    SCORE_INSERT,
    SCORE_ROW,
    SESSION_INSERT,
    SESSION_UPSERT,
    STATE_INSERT,
    STATE_UPSERT,
    AdvanceSession,
    LearnerIds,
    Op,
    RecordAnswer,
    SaveSession,
    Unchanged,
    log_row,
    placeholders,
    record_row,
    score_rows,
    session_row,
    state_row,
)
from bot.storage.codec import dt_to_text

log = logging.getLogger(__name__)

_RUN_KINDS = (RecordAnswer, SaveSession, AdvanceSession)
Outcomes = list[object | BaseException]


def run_batch(conn: sqlite3.Connection, ops: Sequence[Op], ids: LearnerIds) -> Outcomes:
    """Apply `ops` in one transaction, each as if under its own savepoint; one outcome per op.

    A failing op gets its exception and leaves no trace; the others still commit. If the
    transaction itself cannot begin or commit, every op gets a StorageError.

    Ops rarely fail, so the batch first runs without savepoints (and with multi-row
    statements); only when one fails is the transaction rolled back and run again with a
    savepoint around each op.
    """
    try:
        conn.execute("BEGIN IMMEDIATE")
        outcomes = _all_or_nothing(conn, ops, ids)
        if outcomes is None:
            conn.execute("ROLLBACK")
            ids.discard()
            conn.execute("BEGIN IMMEDIATE")
            outcomes = _one_by_one(conn, ops, ids)
        conn.execute("COMMIT")
    except sqlite3.Error as exc:
        log.error("could not commit a batch of %d writes: %s", len(ops), exc)
        ids.discard()
        try:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
        except sqlite3.Error:
            log.exception("rollback after a failed batch failed too")
        return [_storage_error(exc, f"could not commit {len(ops)} writes") for _ in ops]
    ids.commit()
    return outcomes


def _all_or_nothing(
    conn: sqlite3.Connection, ops: Sequence[Op], ids: LearnerIds
) -> Outcomes | None:
    """Every op's result, or None as soon as one raises (the caller rolls back)."""
    outcomes: Outcomes = []
    start = 0
    try:
        while start < len(ops):
            end = start
            while end < len(ops) and type(ops[end]) in _RUN_KINDS:
                end += 1
            if end - start > 1:
                done = _run(conn, ops[start:end], ids)
                if done is None:
                    return None
                outcomes.extend(done)
            else:
                end = start + 1
                outcomes.append(ops[start].apply(conn, ids))
            start = end
    except Exception:
        return None
    return outcomes


def _run(conn: sqlite3.Connection, ops: Sequence[Op], ids: LearnerIds) -> list[object] | None:
    """A run of answers, session saves and advances as multi-row statements; None when one
    of them must be run alone (a repeat, a lost race, a session written twice)."""
    sessions = [s.id for op in ops if (s := getattr(op, "session", None)) is not None]
    if len(set(sessions)) < len(sessions):
        return [op.apply(conn, ids) for op in ops]
    logs: list[tuple[Any, ...]] = []
    states: list[tuple[Any, ...]] = []
    scores: list[tuple[Any, ...]] = []
    records: list[tuple[Any, ...]] = []
    saves: list[tuple[Any, ...]] = []
    advances: list[tuple[Any, ...]] = []
    outcomes: list[object] = []
    stamp = dt_to_text(datetime.now(UTC))  # the sessions' `updated_at`: one read for the run
    for op in ops:  # row ids are taken in op order, as op by op would take them
        if isinstance(op, AdvanceSession):
            advances.append(op.row(stamp))
            outcomes.append(True)
            continue
        if isinstance(op, SaveSession):
            saves.append(session_row(op.session, ids.get(conn, op.session.learner), stamp))
            outcomes.append(None)
            continue
        assert isinstance(op, RecordAnswer)
        a, learner = op.answer, op.answer.learner
        lid = ids.get(conn, learner)
        pid = ids.person(conn, learner.person)
        at = dt_to_text(a.answered_at)
        logs.append(log_row(a, lid, at))
        if op.state is not None:
            states.append(state_row(pid, op.state, at))
        if learner.in_group:
            scores.extend(score_rows(a, ids.zone(conn, learner.platform, learner.workspace)))
            records.append(record_row(a))
        if op.session is not None:
            saves.append(session_row(op.session, lid, stamp))
        outcomes.append(True)
    if _rows(conn, LOG_INSERT, placeholders(14), LOG_KEEP_FIRST, logs) < len(logs):
        return None  # an answer seen before: op by op, it replays as unchanged
    _rows(conn, STATE_INSERT, placeholders(13), STATE_UPSERT, states)
    _rows(conn, SCORE_INSERT, SCORE_ROW, SCORE_ADD, scores)
    _rows(conn, RECORD_INSERT, RECORD_ROW, RECORD_ADD, records)
    _rows(conn, SESSION_INSERT, placeholders(6), SESSION_UPSERT, saves)
    if _advance(conn, advances) < len(advances):
        return None  # another process moved a session on: op by op, that advance says False
    return outcomes


def _rows(
    conn: sqlite3.Connection, head: str, row: str, tail: str, rows: list[tuple[Any, ...]]
) -> int:
    """`rows` inserted by multi-row statements, in order; the number of rows changed."""
    changed = 0
    for chunk in _chunks(conn, rows):
        sql = head + ", ".join([row] * len(chunk)) + tail
        changed += conn.execute(sql, [v for r in chunk for v in r]).rowcount
    return changed


def _advance(conn: sqlite3.Connection, rows: list[tuple[Any, ...]]) -> int:
    """`ADVANCE` for each row, in one statement per chunk; the number of sessions moved on."""
    if len(rows) == 1:
        return conn.execute(ADVANCE, rows[0]).rowcount
    changed = 0
    for chunk in _chunks(conn, rows):
        values = ", ".join([placeholders(6)] * len(chunk))
        changed += conn.execute(
            "UPDATE sessions SET data = v.column1, answered = v.column2,"
            " updated_at = v.column3, ended_at = v.column4"
            f" FROM (VALUES {values}) AS v"
            " WHERE sessions.id = v.column5 AND json_extract(sessions.data, '$.turn') = v.column6",
            [v for r in chunk for v in r],
        ).rowcount
    return changed


def _chunks(conn: sqlite3.Connection, rows: list[tuple[Any, ...]]) -> list[list[tuple[Any, ...]]]:
    """`rows` in slices that stay within SQLite's limit on parameters per statement."""
    if not rows:
        return []
    room = max(1, conn.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER) // len(rows[0]))
    return [rows[i : i + room] for i in range(0, len(rows), room)]


def _one_by_one(conn: sqlite3.Connection, ops: Sequence[Op], ids: LearnerIds) -> Outcomes:
    outcomes: Outcomes = []
    for op in ops:
        mark = ids.mark()
        conn.execute("SAVEPOINT op")
        try:
            outcome: object | BaseException = op.apply(conn, ids)
        except Exception as exc:
            conn.execute("ROLLBACK TO op")
            ids.rollback_to(mark)
            outcome = exc.result if isinstance(exc, Unchanged) else _storage_error(exc)
        conn.execute("RELEASE op")
        outcomes.append(outcome)
    return outcomes


def _storage_error(exc: Exception, what: str = "could not write") -> BaseException:
    if not isinstance(exc, sqlite3.Error):
        return exc
    error = StorageError(f"{what}: {exc} (nothing of it was saved)")
    error.__cause__ = exc
    return error
