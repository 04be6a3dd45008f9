"""The Web API methods the bot may call: required arguments and the OAuth scopes each needs.

Scopes are the ones Slack's method pages list for a bot token, narrowed to how quizbot uses the
method: `conversations.info` needs the scope of the channel's kind, and a daily quiz can be set
in a public (channels:read) or a private channel (groups:read). `views.*` and `auth.test` need
no scope beyond the bot token itself, except that a modal holding a file input needs files:read
(the fake checks that beside this table). `apps.connections.open` takes the app-level token.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

MANIFEST = Path(__file__).resolve().parents[3] / "slack-manifest.yaml"
APP_LEVEL = "connections:write"  # the xapp- token's only scope


@dataclass(frozen=True, slots=True)
class Method:
    scopes: tuple[str, ...] = ()
    required: tuple[str, ...] = ()
    app_token: bool = False


METHODS: dict[str, Method] = {
    "auth.test": Method(),
    "apps.connections.open": Method((APP_LEVEL,), app_token=True),
    "chat.postMessage": Method(("chat:write",), ("channel",)),
    "chat.postEphemeral": Method(("chat:write",), ("channel", "user")),
    "chat.update": Method(("chat:write",), ("channel", "ts")),
    "users.info": Method(("users:read",), ("user",)),
    "conversations.info": Method(("channels:read", "groups:read"), ("channel",)),
    "conversations.open": Method(("im:write",), ()),
    "files.info": Method(("files:read",), ("file",)),
    "files.getUploadURLExternal": Method(("files:write",), ("filename", "length")),
    "files.completeUploadExternal": Method(("files:write",), ("files",)),
    "views.open": Method((), ("trigger_id", "view")),
    "views.publish": Method((), ("user_id", "view")),
    "views.update": Method((), ("view",)),
}

# slack_sdk helpers that are several Web API calls
HELPERS: dict[str, tuple[str, ...]] = {
    "files_upload_v2": ("files.getUploadURLExternal", "files.completeUploadExternal"),
}


def python_name(method: str) -> str:
    """slack_sdk's name for a method: `chat.postMessage` -> `chat_postMessage`."""
    return method.replace(".", "_")


def api_methods(python: str) -> tuple[str, ...] | None:
    """The Web API methods behind a slack_sdk client call, or None if it is not in the table."""
    if python in HELPERS:
        return HELPERS[python]
    found = [m for m in METHODS if python_name(m) == python]
    return tuple(found) or None


def manifest_scopes(path: Path = MANIFEST) -> frozenset[str]:
    """The bot scopes slack-manifest.yaml asks for: what an install grants the xoxb- token."""
    data = yaml.safe_load(path.read_text())
    return frozenset(data["oauth_config"]["scopes"]["bot"])
