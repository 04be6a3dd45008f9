"""Conversions between domain values and what SQLite stores.

Datetimes become fixed-width UTC ISO-8601 text, so text order is time order and the first ten
characters are the UTC day. Dataclasses (a StudySession with its Learner and AskedCard) become
JSON-ready dicts and come back by their type hints, so a field added to a model needs no change
here, and a stored blob missing a newer field decodes with that field's default.
"""

from __future__ import annotations

import dataclasses
import json
import types
from datetime import UTC, datetime
from enum import Enum
from functools import cache, lru_cache
from json.encoder import encode_basestring
from typing import Any, TypeVar, Union, get_args, get_origin, get_type_hints

from bot.core.models import AskedCard, Format, Learner, Mode, StudySession

T = TypeVar("T")


def dt_to_text(value: datetime) -> str:
    """UTC text with microseconds; naive datetimes are refused, the core always passes UTC."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"naive datetime {value!r}: storage needs aware UTC datetimes")
    return value.astimezone(UTC).isoformat(timespec="microseconds")


def opt_dt_to_text(value: datetime | None) -> str | None:
    return None if value is None else dt_to_text(value)


def text_to_dt(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


def opt_text_to_dt(text: str | None) -> datetime | None:
    return None if text is None else text_to_dt(text)


def to_dict(obj: Any) -> dict[str, Any]:
    """A dataclass instance as a JSON-ready dict (enums by value, datetimes as UTC text)."""
    if not dataclasses.is_dataclass(obj) or isinstance(obj, type):
        raise TypeError(f"not a dataclass instance: {obj!r}")
    return {f.name: _encode(getattr(obj, f.name)) for f in dataclasses.fields(obj)}


def from_dict(cls: type[T], data: dict[str, Any]) -> T:
    """The inverse of to_dict; unknown keys are ignored, missing ones take the field default."""
    hints = _hints(cls)
    kwargs = {
        f.name: _decode(hints[f.name], data[f.name])
        for f in dataclasses.fields(cls)  # type: ignore[arg-type]
        if f.name in data
    }
    return cls(**kwargs)


def session_to_json(session: StudySession) -> str:
    """`to_dict` spelled out for StudySession: it is encoded on the writer thread twice per
    answer, where the generic walk cost a third of the writer's time (bench/answer_path.py).
    The text is written piece by piece, exactly as `json.dumps` of `to_dict` writes it
    (tests/reliability/test_session_codec.py), with the parts a session keeps from its first
    write to its last (who, mode, deck, start) and the card keys encoded once. A field added
    to the models falls back to the generic walk until it is added here."""
    if not _FAST_SESSION:
        return json.dumps(to_dict(session), separators=(",", ":"), ensure_ascii=False)
    s, a = session, session.current
    head = _session_head(s.id, s.learner, s.mode, s.deck_id, s.started_at, s.limit)
    if a is None:
        current = "null"
    else:
        current = (
            f'{{"deck_id":{_text(a.deck_id)},"card_id":{_text(a.card_id)},'
            f'"format":{_text(a.format.value)},"options":[{",".join(map(_text, a.options))}],'
            f'"correct_option":{_number(a.correct_option)},'
            f'"asked_at":{_text(dt_to_text(a.asked_at))},"fingerprint":{_opt_text(a.fingerprint)}}}'
        )
    last = "null" if s.last_card is None else _key_text(s.last_card)
    ended = "null" if s.ended_at is None else _text(dt_to_text(s.ended_at))
    return (
        f'{head}"turn":{_number(s.turn)},"answered":{_number(s.answered)},'
        f'"correct":{_number(s.correct)},"points":{_number(s.points)},"current":{current},'
        f'"last_card":{last},"missed":{_keys_text(s.missed)},"wrong":{_keys_text(s.wrong)},'
        f'"asked":{_keys_text(s.asked)},"ended_at":{ended}}}'
    )


_text = encode_basestring
"""A string as JSON writes it with `ensure_ascii=False` (the C encoder json.dumps uses)."""


def _opt_text(value: str | None) -> str:
    return "null" if value is None else _text(value)


def _number(value: int | None) -> str:
    return "null" if value is None else json.dumps(value) if isinstance(value, bool) else str(value)


@lru_cache(maxsize=4096)
def _session_head(
    sid: str,
    learner: Learner,
    mode: Mode,
    deck_id: str | None,
    started: datetime,
    limit: int | None,
) -> str:
    return (
        f'{{"id":{_text(sid)},"learner":{{"platform":{_text(learner.platform)},'
        f'"workspace":{_text(learner.workspace)},"user":{_text(learner.user)}}},'
        f'"mode":{_text(mode.value)},"deck_id":{_opt_text(deck_id)},'
        f'"started_at":{_text(dt_to_text(started))},"limit":{_number(limit)},'
    )


@lru_cache(maxsize=16384)
def _key_text(key: tuple[str, str]) -> str:
    return f"[{_text(key[0])},{_text(key[1])}]"


def _keys_text(keys: tuple[tuple[str, str], ...]) -> str:
    return "[" + ",".join(map(_key_text, keys)) + "]"


_FAST_SESSION = [f.name for f in dataclasses.fields(StudySession)] == [
    "id", "learner", "mode", "deck_id", "started_at", "limit", "turn", "answered", "correct",
    "points", "current", "last_card", "missed", "wrong", "asked", "ended_at",
] and [f.name for f in dataclasses.fields(AskedCard)] == [
    "deck_id", "card_id", "format", "options", "correct_option", "asked_at", "fingerprint",
] and [f.name for f in dataclasses.fields(Learner)] == ["platform", "workspace", "user"]  # fmt: skip


def session_from_json(text: str) -> StudySession:
    """`from_dict` spelled out for StudySession: PostgreSQL reads the session on every click,
    where the generic walk by type hints was a quarter of the answer path's CPU
    (bench/answer_path.py). Only a blob with every current field takes this way; an older or
    newer one (a field missing or added) goes through `from_dict`, so both give one value
    (tests/reliability/test_session_codec.py)."""
    data = json.loads(text)
    if not _FAST_SESSION or data.keys() != _SESSION_KEYS:
        return from_dict(StudySession, data)
    a, who, last, ended = data["current"], data["learner"], data["last_card"], data["ended_at"]
    if (a is not None and a.keys() != _ASKED_KEYS) or who.keys() != _LEARNER_KEYS:
        return from_dict(StudySession, data)
    return StudySession(
        id=data["id"],
        learner=Learner(who["platform"], who["workspace"], who["user"]),
        mode=Mode(data["mode"]),
        deck_id=data["deck_id"],
        started_at=text_to_dt(data["started_at"]),
        limit=data["limit"],
        turn=data["turn"],
        answered=data["answered"],
        correct=data["correct"],
        points=data["points"],
        current=None if a is None else _asked(a),
        last_card=None if last is None else _key(last),
        missed=tuple(map(_key, data["missed"])),
        wrong=tuple(map(_key, data["wrong"])),
        asked=tuple(map(_key, data["asked"])),
        ended_at=None if ended is None else text_to_dt(ended),
    )


def _asked(a: dict[str, Any]) -> AskedCard:
    at = text_to_dt(a["asked_at"])
    options, fingerprint = tuple(a["options"]), a["fingerprint"]
    return AskedCard(
        a["deck_id"],
        a["card_id"],
        Format(a["format"]),
        options,
        a["correct_option"],
        at,
        fingerprint,
    )


def _key(value: list[str]) -> tuple[str, str]:
    deck_id, card_id = value
    return (deck_id, card_id)


_SESSION_KEYS = {f.name for f in dataclasses.fields(StudySession)}
_ASKED_KEYS = {f.name for f in dataclasses.fields(AskedCard)}
_LEARNER_KEYS = {f.name for f in dataclasses.fields(Learner)}


@cache
def _hints(cls: type) -> dict[str, Any]:
    return get_type_hints(cls)


def _encode(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime):
        return dt_to_text(value)
    if isinstance(value, tuple | list):
        return [_encode(v) for v in value]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return to_dict(value)
    return value


def _decode(tp: Any, data: Any) -> Any:
    origin = get_origin(tp)
    if origin is Union or origin is types.UnionType:
        if data is None:
            return None
        arms = [a for a in get_args(tp) if a is not type(None)]
        return _decode(arms[0], data) if len(arms) == 1 else data
    if origin is tuple:
        args = get_args(tp)
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(_decode(args[0], v) for v in data)
        return tuple(_decode(a, v) for a, v in zip(args, data, strict=True))
    if isinstance(tp, type):
        if issubclass(tp, Enum):
            return tp(data)
        if issubclass(tp, datetime):
            return text_to_dt(data)
        if dataclasses.is_dataclass(tp):
            return from_dict(tp, data)
    return data
