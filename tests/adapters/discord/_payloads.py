"""Payload shapes of the fake Discord: what discord.py 2.7 needs to parse each object.

Kept apart from the server so a reader sees the shapes in one place (see docs/testing.md).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

APP_ID = "100000000000000001"
BOT_ID = "100000000000000001"
GUILD_ID = "200000000000000002"
CHANNEL_ID = "300000000000000003"
GUILD2_ID = "210000000000000021"
CHANNEL2_ID = "310000000000000031"
ALICE = {
    "id": "400000000000000004",
    "username": "alice",
    "discriminator": "0",
    "avatar": None,
    "global_name": "Alice",
}
BOB = {
    "id": "500000000000000005",
    "username": "bob",
    "discriminator": "0",
    "avatar": None,
    "global_name": "Bob",
}
MANAGE_GUILD = str(1 << 5)
TIMESTAMP = "2026-01-01T00:00:00+00:00"


@dataclass
class Call:
    """One request the bot made that a user would see (or a command sync)."""

    kind: str  # callback | followup | edit | delete | channel | sync
    path: str
    payload: dict[str, Any]
    files: list[tuple[str, str, bytes]] = field(default_factory=list)
    interaction_id: str | None = None
    message_id: str | None = None
    message: dict[str, Any] | None = None
    """The message as this call left it: what the user sees and clicks on."""
    at: float = field(default_factory=time.perf_counter)

    @property
    def type(self) -> int | None:
        return self.payload.get("type")

    @property
    def data(self) -> dict[str, Any]:
        """The message part: callback `data`, or the whole body of a followup or edit."""
        return self.payload.get("data") or {} if self.kind == "callback" else self.payload

    @property
    def custom_ids(self) -> list[str]:
        return [
            c["custom_id"]
            for row in self.data.get("components", [])
            for c in row.get("components", [])
            if "custom_id" in c
        ]

    @property
    def text(self) -> str:
        """Content and embed text together, for assertions about what is shown."""
        parts = [self.data.get("content") or ""]
        for embed in self.data.get("embeds") or []:
            parts.append((embed.get("author") or {}).get("name", ""))
            parts += [embed.get("title", ""), embed.get("description", "")]
            parts += [f"{f['name']}: {f['value']}" for f in embed.get("fields", [])]
            parts.append((embed.get("footer") or {}).get("text", ""))
        return "\n".join(p for p in parts if p)

    @property
    def ephemeral(self) -> bool:
        return bool((self.data.get("flags") or 0) & 64)


BOT_USER = {"id": BOT_ID, "username": "quizbot", "discriminator": "0", "avatar": None, "bot": True}
CHANNEL = {"id": CHANNEL_ID, "type": 0, "name": "general", "position": 0}
GUILDS = {
    GUILD_ID: ("Study Hall", {**CHANNEL}),
    GUILD2_ID: ("Second Shelf", {"id": CHANNEL2_ID, "type": 0, "name": "quiz", "position": 0}),
}
"""Two guilds, one text channel each: scores and games in one must not show in the other."""


def message(
    mid: str,
    old: dict[str, Any],
    body: dict[str, Any],
    channel: str = CHANNEL_ID,
    attachments: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """A channel message: the old one with what `body` changes (content, embeds, components)
    and the files it carries after the change."""
    shown = ("content", "embeds", "components", "flags")
    result: dict[str, Any] = {
        "id": mid,
        "channel_id": channel,
        "type": 0,
        "content": "",
        "embeds": [],
        "attachments": [],
        "components": [],
        "mentions": [],
        "mention_roles": [],
        "mention_everyone": False,
        "pinned": False,
        "tts": False,
        "flags": 0,
        "timestamp": TIMESTAMP,
        "edited_timestamp": None,
        "author": BOT_USER,
    }
    result.update({k: v for k, v in old.items() if k in result})
    result.update({k: body[k] for k in shown if body.get(k) is not None})
    if attachments is not None:
        result["attachments"] = attachments
    return result


def application() -> dict[str, Any]:
    owner = {"id": ALICE["id"], "username": "alice", "discriminator": "0", "avatar": None}
    return {
        "id": APP_ID,
        "name": "quizbot",
        "description": "",
        "icon": None,
        "bot_public": True,
        "bot_require_code_grant": False,
        "verify_key": "0" * 64,
        "owner": owner,
        "interactions_endpoint_url": None,
        "flags": 0,
    }


def ready(gateway_url: str, guilds: list[str] | None = None) -> dict[str, Any]:
    return {
        "v": 10,
        "user": BOT_USER,
        "guilds": [{"id": g, "unavailable": True} for g in (GUILDS if guilds is None else guilds)],
        "session_id": "s",
        "resume_gateway_url": gateway_url,
        "application": {"id": APP_ID, "flags": 0},
    }


def guild(guild_id: str) -> dict[str, Any]:
    name, channel = GUILDS[guild_id]
    return {
        "id": guild_id,
        "name": name,
        "unavailable": False,
        "member_count": 3,
        "roles": [],
        "emojis": [],
        "features": [],
        "channels": [channel],
    }


DM = "dm"
"""Pass as `guild` for an interaction in a direct message with the bot (no guild, no member)."""
DM_CHANNEL = {"id": "350000000000000035", "type": 1, "flags": 0, "last_message_id": None}


def channel_of(guild_id: str) -> dict[str, Any]:
    return DM_CHANNEL if guild_id == DM else GUILDS[guild_id][1]


def _in_dm(payload: dict[str, Any], user: dict[str, Any]) -> dict[str, Any]:
    """A DM interaction: `user` instead of `member`, the context and the installing owner as
    Discord sends them for a user-installed app (context 1: the bot's DM)."""
    del payload["guild_id"], payload["member"]
    channel = {**DM_CHANNEL, "recipients": [user]}
    return {
        **payload,
        "user": user,
        "channel": channel,
        "channel_id": channel["id"],
        "context": 1,
        "authorizing_integration_owners": {"1": user["id"]},
    }


def interaction(
    iid: str,
    kind: int,
    data: dict[str, Any],
    user: dict[str, Any],
    permissions: str,
    msg: dict[str, Any] | None,
    guild_id: str = GUILD_ID,
) -> dict[str, Any]:
    """INTERACTION_CREATE: every field the gateway parser requires, or the client dies."""
    channel = channel_of(guild_id)
    member = {
        "user": user,
        "roles": [],
        "permissions": permissions,
        "flags": 0,
        "joined_at": TIMESTAMP,
        "deaf": False,
        "mute": False,
    }
    payload = {
        "id": iid,
        "application_id": APP_ID,
        "type": kind,
        "token": f"token-{iid}",
        "version": 1,
        "attachment_size_limit": 8388608,
        "guild_id": guild_id,
        "locale": "en-US",
        "channel": channel,
        "channel_id": channel["id"],
        "app_permissions": "0",
        "member": member,
        "data": data,
    }
    if msg is not None:
        payload["message"] = msg
    return _in_dm(payload, user) if guild_id == DM else payload


def ids_of(message: dict[str, Any]) -> list[str]:
    return [
        c.get("custom_id", "")
        for row in message.get("components", [])
        for c in row.get("components", [])
    ]


def option_type(value: Any) -> int:
    if isinstance(value, bool):
        return 5
    if isinstance(value, int):
        return 4
    return 3
