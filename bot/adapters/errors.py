"""Errors shared by the chat adapters at start-up."""

from __future__ import annotations


class MissingSetting(Exception):
    """A required setting is absent; the message names it, in one line, without a traceback."""
