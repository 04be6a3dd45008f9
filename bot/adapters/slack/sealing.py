"""Tokens sealed before they are stored: Fernet (AES-128-CBC with an HMAC) from `cryptography`.

QUIZBOT_SECRET_KEY holds one key, or several separated by commas, newest first: everything is
sealed with the first and opened with any of them, so an operator rotates the key by putting a
new one in front, and drops the old one once every workspace has been written again.
"""

from __future__ import annotations

import json
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from bot.adapters.errors import MissingSetting

NEW_KEY_HINT = (
    'make one with: python -c "from cryptography.fernet import Fernet;'
    ' print(Fernet.generate_key().decode())"'
)


class Unreadable(Exception):
    """A sealed value none of the keys opens (the key was changed without keeping the old)."""


class Sealer:
    """Seal a small JSON object into text, and open it again."""

    def __init__(self, keys: str) -> None:
        parts = [k.strip() for k in keys.split(",") if k.strip()]
        if not parts:
            raise MissingSetting(f"QUIZBOT_SECRET_KEY is empty; {NEW_KEY_HINT}")
        try:
            self._fernet = MultiFernet([Fernet(k.encode()) for k in parts])
        except (ValueError, TypeError):
            raise MissingSetting(
                "QUIZBOT_SECRET_KEY must be Fernet keys (32 bytes, url-safe base64), comma-"
                f"separated; {NEW_KEY_HINT}"
            ) from None

    def seal(self, values: dict[str, Any]) -> str:
        return self._fernet.encrypt(json.dumps(values).encode()).decode()

    def open(self, sealed: str) -> dict[str, Any]:
        try:
            return dict(json.loads(self._fernet.decrypt(sealed.encode())))
        except InvalidToken:
            raise Unreadable(
                "a stored Slack token cannot be opened with QUIZBOT_SECRET_KEY: was the key"
                " changed? Put the new key first and keep the old one after a comma."
            ) from None
