"""`QUIZBOT_SHARDS`: a slice of the Discord shards, or an error that says what is expected."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from bot.process.settings import Settings, ShardSlice


def test_a_slice_names_its_shards_and_the_count() -> None:
    assert Settings(QUIZBOT_SHARDS="0-3/8").shards == ShardSlice((0, 1, 2, 3), 8)
    assert Settings(QUIZBOT_SHARDS="2/8").shards == ShardSlice((2,), 8)
    assert Settings(QUIZBOT_SHARDS="").shards is None
    assert Settings().shards is None


def test_a_guild_belongs_to_the_shard_discord_sends_it_to() -> None:
    half = ShardSlice((0,), 2)
    assert half.serves(200000000000000002)  # (id >> 22) % 2 == 0
    assert not half.serves(210000000000000021)


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("0-3", "write FIRST-LAST/COUNT, e.g. 0-3/8"),
        ("a-b/8", "write FIRST-LAST/COUNT"),
        ("3-1/8", "the first shard 3 is after the last 1"),
        ("0-8/8", "shard 8 does not exist in 8 shards (they are numbered 0 to 7)"),
        ("0/0", "the shard count must be 1 to"),
    ],
)
def test_a_wrong_slice_is_refused_with_what_is_expected(text: str, says: str) -> None:
    with pytest.raises(ValidationError) as refused:
        Settings(QUIZBOT_SHARDS=text)
    assert says in str(refused.value)
