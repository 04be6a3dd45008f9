"""Errors shared by the chat adapters at start-up."""

from __future__ import annotations


class MissingSetting(Exception):
    """A required setting is absent; the message names it, in one line, without a traceback."""


class TokenRefused(Exception):
    """The platform refused the credentials it was given: one line naming the setting to check.

    Raised at start-up (Discord's REST 401 or gateway close 4004, Slack's `invalid_auth`), so
    the process exits non-zero with that line instead of a library traceback.
    """
