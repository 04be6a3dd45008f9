"""Reading what the fake Slack recorded: waiting for it, a message's buttons and its text."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

WAIT_SECONDS = 5.0


async def wait_until(check: Callable[[], bool]) -> None:
    """Poll `check` until it holds; fail the test after WAIT_SECONDS."""
    deadline = time.monotonic() + WAIT_SECONDS
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting for the fake Slack")
        await asyncio.sleep(0.005)


def buttons(message: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """action_id -> button element, over every actions block of a message."""
    found: dict[str, dict[str, Any]] = {}
    for block in message.get("blocks", []):
        if block.get("type") == "actions":
            for element in block["elements"]:
                found[element["action_id"]] = {**element, "block_id": block.get("block_id")}
    return found


def mrkdwn_texts(message: dict[str, Any]) -> list[str]:
    """Every mrkdwn string in a message or view, plus the top-level fallback text."""
    texts = [message.get("text", "")] if isinstance(message.get("text"), str) else []
    for block in message.get("blocks", []):
        text = block.get("text")
        if isinstance(text, dict) and text.get("type") == "mrkdwn":
            texts.append(text["text"])
        for element in block.get("elements", []):
            if isinstance(element, dict) and element.get("type") == "mrkdwn":
                texts.append(element["text"])
    return texts
