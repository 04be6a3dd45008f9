"""`QUIZBOT_SHARDS`: each process identifies with its slice of the shards, Discord sends a
guild's events to shard `(guild_id >> 22) % count`, and the process owning that shard answers."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.process.settings import parse_shards
from tests.adapters.discord.fake_discord import DM, GUILD2_ID, GUILD_ID, FakeDiscord
from tests.adapters.discord.harness import running_bot, settings_for


def _shard(guild: str, count: int) -> int:
    return (int(guild) >> 22) % count


async def test_two_processes_each_answer_the_guilds_of_their_shard(
    fake: FakeDiscord, tmp_path: Path, questions: Path, caplog: pytest.LogCaptureFixture
) -> None:
    fake.shards = 2
    assert {_shard(GUILD_ID, 2), _shard(GUILD2_ID, 2)} == {0, 1}
    first = settings_for(fake, tmp_path / "a.sqlite3", questions).model_copy(
        update={"shards": parse_shards("0/2")}
    )
    second = settings_for(fake, tmp_path / "b.sqlite3", questions).model_copy(
        update={"shards": parse_shards("1-1/2")}
    )
    async with running_bot(first), running_bot(second):
        assert sorted(fake.identified_shards) == [(0, 2), (1, 2)]
        for guild in (GUILD_ID, GUILD2_ID, DM):
            call = await fake.command("decks", guild=guild)
            assert "Geography (3 cards)" in call.text
        routed = [(shard, guild) for event, shard, guild in fake.dispatched
                  if event == "INTERACTION_CREATE"]  # fmt: skip
        assert routed == [(_shard(GUILD_ID, 2), GUILD_ID), (_shard(GUILD2_ID, 2), GUILD2_ID),
                          (0, "")]  # fmt: skip
        guilds_of = {shard: guild for event, shard, guild in fake.dispatched
                     if event == "GUILD_CREATE"}  # fmt: skip
        assert guilds_of == {_shard(GUILD_ID, 2): GUILD_ID, _shard(GUILD2_ID, 2): GUILD2_ID}
    # only the process running shard 0 registers the commands
    assert sorted(fake.synced) == sorted([GUILD_ID, GUILD2_ID])
    assert "shards 1-1/2: the process running shard 0 syncs the commands" in caplog.text


async def test_without_a_slice_one_connection_serves_every_guild(
    fake: FakeDiscord, tmp_path: Path, questions: Path
) -> None:
    async with running_bot(settings_for(fake, tmp_path / "q.sqlite3", questions)):
        assert fake.identified_shards == [(0, 1)]
        for guild in (GUILD_ID, GUILD2_ID):
            assert "Geography" in (await fake.command("decks", guild=guild)).text
