"""Typed settings from environment variables (pydantic-settings).

Nothing is built at import time: `main()` calls `Settings()` once and passes it down.
Secrets are `SecretStr`, so a settings object printed or logged never shows a token.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

MAX_SHARDS = 65536
_SHARDS = re.compile(r"^(\d{1,5})(?:-(\d{1,5}))?/(\d{1,5})$")


@dataclass(frozen=True, slots=True)
class ShardSlice:
    """The Discord shards this process runs: `ids` of `count` (`QUIZBOT_SHARDS=0-3/8`)."""

    ids: tuple[int, ...]
    count: int

    def serves(self, guild_id: int) -> bool:
        """Discord sends a guild's events to shard `(guild_id >> 22) % count`."""
        return (guild_id >> 22) % self.count in self.ids

    def __str__(self) -> str:
        return f"{self.ids[0]}-{self.ids[-1]}/{self.count}"


def parse_shards(text: str) -> ShardSlice:
    """`A-B/N` (shards A to B of N) or `A/N`; ValueError saying what is expected."""
    found = _SHARDS.match(text.replace(" ", ""))
    if found is None:
        raise ValueError(
            f"QUIZBOT_SHARDS={text[:40]!r} is not a shard slice: write FIRST-LAST/COUNT, e.g."
            " 0-3/8 for shards 0 to 3 of 8 (or 2/8 for shard 2 alone)"
        )
    first, last, count = int(found[1]), int(found[2] or found[1]), int(found[3])
    if not 1 <= count <= MAX_SHARDS:
        raise ValueError(f"QUIZBOT_SHARDS: the shard count must be 1 to {MAX_SHARDS}, not {count}")
    if first > last:
        raise ValueError(f"QUIZBOT_SHARDS: the first shard {first} is after the last {last}")
    if last >= count:
        raise ValueError(
            f"QUIZBOT_SHARDS: shard {last} does not exist in {count} shards (they are numbered"
            f" 0 to {count - 1})"
        )
    return ShardSlice(tuple(range(first, last + 1)), count)


def _env(*names: str) -> AliasChoices:
    return AliasChoices(*names)


class Settings(BaseSettings):
    """Every setting the bot reads. The README's Configuration table lists the same names."""

    model_config = SettingsConfigDict(env_file=None, extra="ignore", populate_by_name=True)

    db: Path = Field(Path("data/quizbot.sqlite3"), validation_alias=_env("QUIZBOT_DB"))
    database_url: SecretStr | None = Field(None, validation_alias=_env("QUIZBOT_DATABASE_URL"))
    """postgresql://...: PostgreSQL instead of the SQLite file (a secret: it may hold a password)."""
    questions: Path = Field(Path("questions"), validation_alias=_env("QUIZBOT_QUESTIONS"))
    platform: Literal["discord", "slack", "console"] | None = Field(
        None, validation_alias=_env("QUIZBOT_PLATFORM")
    )
    desired_retention: float = Field(
        0.9, ge=0.7, le=0.99, validation_alias=_env("QUIZBOT_DESIRED_RETENTION")
    )
    new_per_day: int = Field(20, ge=0, le=1000, validation_alias=_env("QUIZBOT_NEW_PER_DAY"))
    fast_seconds: float = Field(8.0, gt=0, le=120, validation_alias=_env("QUIZBOT_FAST_SECONDS"))
    log_level: str = Field("INFO", validation_alias=_env("QUIZBOT_LOG_LEVEL"))
    log_format: Literal["text", "json"] = Field("text", validation_alias=_env("QUIZBOT_LOG_FORMAT"))
    heartbeat_file: Path | None = Field(None, validation_alias=_env("QUIZBOT_HEARTBEAT_FILE"))
    daily_grace_minutes: int = Field(120, ge=0, le=1440, alias="QUIZBOT_DAILY_GRACE_MINUTES")
    post_lease_seconds: int = Field(120, ge=2, le=3600, alias="QUIZBOT_POST_LEASE_SECONDS")
    """How long a daily post in flight stays with its process before a survivor posts it."""
    game_lease_seconds: int = Field(30, ge=2, le=600, alias="QUIZBOT_GAME_LEASE_SECONDS")
    """How long a competition's timer stays with a process that stopped renewing its lease."""
    purge_grace_days: int = Field(30, ge=0, le=3650, alias="QUIZBOT_PURGE_GRACE_DAYS")

    discord_token: SecretStr | None = Field(None, validation_alias=_env("DISCORD_TOKEN"))
    discord_guild_ids: str = Field("", validation_alias=_env("DISCORD_GUILD_IDS"))
    discord_api_url: str | None = Field(None, validation_alias=_env("DISCORD_API_URL"))
    discord_gateway_url: str | None = Field(None, validation_alias=_env("DISCORD_GATEWAY_URL"))
    shards: ShardSlice | None = Field(None, validation_alias=_env("QUIZBOT_SHARDS"))
    """This process's slice of the Discord shards; None runs them all in one connection."""

    slack_bot_token: SecretStr | None = Field(None, validation_alias=_env("SLACK_BOT_TOKEN"))
    slack_app_token: SecretStr | None = Field(None, validation_alias=_env("SLACK_APP_TOKEN"))
    slack_signing_secret: SecretStr | None = Field(
        None, validation_alias=_env("SLACK_SIGNING_SECRET")
    )
    slack_client_id: str | None = Field(None, validation_alias=_env("SLACK_CLIENT_ID"))
    """Set (with SLACK_CLIENT_SECRET): the bot serves any number of workspaces that install it."""
    slack_client_secret: SecretStr | None = Field(
        None, validation_alias=_env("SLACK_CLIENT_SECRET")
    )
    secret_key: SecretStr | None = Field(None, validation_alias=_env("QUIZBOT_SECRET_KEY"))
    """Fernet key(s), comma-separated, newest first: what stored workspace tokens are sealed with."""
    slack_port: int = Field(3000, ge=1, le=65535, validation_alias=_env("QUIZBOT_SLACK_PORT"))
    slack_api_url: str | None = Field(None, validation_alias=_env("SLACK_API_URL"))

    @field_validator("database_url")
    @classmethod
    def _postgres_url(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None or not value.get_secret_value().strip():
            return None
        if not value.get_secret_value().startswith(("postgresql://", "postgres://")):
            raise ValueError("QUIZBOT_DATABASE_URL must start with postgresql://")
        return value

    @field_validator("slack_client_id")
    @classmethod
    def _blank_is_unset(cls, value: str | None) -> str | None:
        return value.strip() or None if value is not None else None

    @field_validator("shards", mode="before")
    @classmethod
    def _shard_slice(cls, value: object) -> ShardSlice | None:
        if value is None or isinstance(value, ShardSlice):
            return value
        if not str(value).strip():
            return None
        return parse_shards(str(value))

    @field_validator("log_level")
    @classmethod
    def _upper_level(cls, value: str) -> str:
        return value.upper()

    @property
    def guild_ids(self) -> tuple[int, ...]:
        return tuple(int(x) for x in self.discord_guild_ids.replace(" ", "").split(",") if x)

    @property
    def heartbeat_path(self) -> Path:
        """Where the running bot proves it is alive; beside the database unless set."""
        return self.heartbeat_file or self.db.with_name(self.db.name + ".heartbeat")
