"""The spelled-out session encoder (bot/storage/codec.py) writes what the generic walk writes."""

from __future__ import annotations

import json
from dataclasses import replace

from bot.core.models import Learner
from bot.storage import codec
from tests.storage.test_sqlite import session


def test_fast_session_encoding_matches_the_generic_one() -> None:
    assert codec._FAST_SESSION, "StudySession changed: update codec.session_to_json"
    base = session()
    variants = [
        base,
        replace(base, current=None, last_card=None, limit=None, deck_id=None),
        replace(base, asked=(("a", "b"),) * 3, wrong=(("x", "y"),), ended_at=base.started_at),
        replace(base, id='q"\\\u2028', learner=Learner("p", "é🙂", "\x00"), turn=0, points=-3),
    ]
    for value in variants:
        generic = json.dumps(codec.to_dict(value), separators=(",", ":"), ensure_ascii=False)
        assert codec.session_to_json(value) == generic
        assert codec.session_from_json(codec.session_to_json(value)) == value
        assert codec.from_dict(type(value), json.loads(generic)) == value


def test_a_session_stored_by_a_newer_version_decodes_without_its_new_field() -> None:
    """A blob with a field this version does not know (a newer process wrote it) still decodes:
    the unknown key is ignored, as the generic decoder ignores it."""
    base = session()
    newer = codec.session_to_json(base)[:-1] + ',"hint":"x"}'
    assert codec.session_from_json(newer) == base


def test_a_session_stored_before_fingerprints_decodes_with_none() -> None:
    """An asked card stored without its fingerprint decodes with an empty one (not compared)."""
    base = session()
    assert base.current is not None
    stored = codec.session_to_json(replace(base, current=replace(base.current, fingerprint="f")))
    old = stored.replace(',"fingerprint":"f"', "")
    assert "fingerprint" not in old
    decoded = codec.session_from_json(old)
    assert decoded.current is not None and decoded.current.fingerprint == ""
    assert decoded == base
