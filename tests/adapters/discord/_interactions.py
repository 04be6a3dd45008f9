"""Injecting interactions into the fake Discord: what a member does, as Discord dispatches it.

`FakeDiscord` mixes this in. A test runs a slash command (`command`, with `Upload`s as
attachment options), asks for autocomplete choices, presses a button on a message as the
member saw it (`click`) or submits a modal (`submit`), and gets back the bot's answer to that
interaction: its callback, matched by the interaction id, never by position.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from tests.adapters.discord import _attachments, _contract, _payloads
from tests.adapters.discord._attachments import Upload
from tests.adapters.discord._payloads import ALICE, GUILD_ID, Call, ids_of, option_type


class Interactions:
    """The member's side of the fake; the server state it uses is FakeDiscord's."""

    clock: Callable[[], float]
    synced: dict[str, list[dict[str, Any]]]
    uploads: _attachments.Uploads
    _tokens: dict[str, str]
    _born: dict[str, float]
    _guild_of: dict[str, str]
    _types: dict[str, int]
    _clicked: dict[str, str]
    _waiters: dict[str, asyncio.Future[Call]]
    snowflake: Callable[[], str]
    _send: Callable[[str, dict[str, Any]], Awaitable[None]]
    guild_of: Callable[[Call], str]
    base_url: str

    def open_interaction(self, kind: int = 2, guild: str = GUILD_ID) -> tuple[str, str]:
        """Issue an interaction id and token, as Discord does before it dispatches the event."""
        iid = self.snowflake()
        token = f"token-{iid}"
        self._tokens[token] = iid
        self._born[iid] = self.clock()
        self._guild_of[iid] = guild
        self._types[iid] = kind
        return iid, token

    async def inject(
        self,
        kind: int,
        data: dict[str, Any],
        *,
        user: dict[str, Any] = ALICE,
        permissions: str = "0",
        message: dict[str, Any] | None = None,
        guild: str = GUILD_ID,
        within: float = 5.0,
    ) -> Call:
        """Dispatch one INTERACTION_CREATE and return the callback the bot answers with.

        Raises `Rejected` at once when the fake refuses the bot's answer as an invalid body.
        """
        iid, _ = self.open_interaction(kind, guild)
        payload = _payloads.interaction(iid, kind, data, user, permissions, message, guild)
        if message is not None:
            self._clicked[iid] = message["id"]
        waiter: asyncio.Future[Call] = asyncio.get_running_loop().create_future()
        self._waiters[iid] = waiter
        await self._send("INTERACTION_CREATE", payload)
        try:
            return await asyncio.wait_for(waiter, within)
        finally:
            self._waiters.pop(iid, None)

    async def command(
        self,
        name: str,
        options: dict[str, Any] | None = None,
        *,
        sub: str | None = None,
        guild: str = GUILD_ID,
        **kwargs: Any,
    ) -> Call:
        """Run a slash command in `guild`; `sub` names a subcommand of the group `name`.

        An `Upload` (from `upload()`) as an option's value is an attachment option (type 11):
        the option carries its id and `data.resolved.attachments` the file, as Discord sends it.
        """
        opts: list[dict[str, Any]] = []
        resolved: dict[str, Any] = {}
        for key, value in (options or {}).items():
            if isinstance(value, Upload):
                opts.append({"name": key, "type": 11, "value": value.id})
                resolved[value.id] = value.shape(self.base_url)
            else:
                opts.append({"name": key, "type": option_type(value), "value": value})
        data = self._command_data(name, opts, sub, guild)
        if resolved:
            data["resolved"] = {"attachments": resolved}
        return await self.inject(2, data, guild=guild, **kwargs)

    def _command_data(
        self, name: str, opts: list[dict[str, Any]], sub: str | None, guild: str
    ) -> dict[str, Any]:
        if sub is not None:
            opts = [{"name": sub, "type": 1, "options": opts}]
        scope = guild if guild in self.synced else "global"
        cmd = next((c for c in self.synced.get(scope, []) if c["name"] == name), {"id": "1"})
        data = {"id": cmd["id"], "name": name, "type": 1, "options": opts}
        if scope != "global":
            data["guild_id"] = guild
        return data

    async def autocomplete(
        self,
        name: str,
        option: str,
        typed: str = "",
        *,
        sub: str | None = None,
        guild: str = GUILD_ID,
        **kwargs: Any,
    ) -> list[dict[str, Any]]:
        """The choices the bot suggests for `option` of `/name [sub]` while `typed` is typed."""
        focused = [{"name": option, "type": 3, "value": typed, "focused": True}]
        call = await self.inject(4, self._command_data(name, focused, sub, guild), guild=guild,
                                 **kwargs)  # fmt: skip
        assert call.type == 8, call.payload
        return list(call.payload["data"]["choices"])

    def upload(
        self,
        filename: str,
        data: bytes,
        *,
        guild: str = GUILD_ID,
        size: int | None = None,
        content_type: str | None = None,
        status: int = 200,
        delay: float = 0.0,
    ) -> Upload:
        """A file a member attaches to a command in `guild`, served at its signed CDN address.

        `size` is the size Discord declares (default: the real one; a test may make it lie),
        `status` 404 or 403 fails the download, `delay` holds the first byte back (seconds).
        """
        channel = _payloads.channel_of(guild)["id"]
        return self.uploads.add(filename, data, channel, size=size, content_type=content_type,
                                status=status, delay=delay)  # fmt: skip

    async def click(self, on: Call, custom_id: str, **kwargs: Any) -> Call:
        """Press a button on the message as `on` left it: what the user saw, components included."""
        assert on.message, f"{on.kind} produced no message"
        assert custom_id in ids_of(on.message), custom_id
        kwargs.setdefault("guild", self.guild_of(on))
        return await self.inject(
            3, {"custom_id": custom_id, "component_type": 2}, message=on.message, **kwargs
        )

    async def submit(
        self, on: Call, modal: Call, value: str | dict[str, str], **kwargs: Any
    ) -> Call:
        """Submit the modal `modal` (opened from a button or command `on`), typing `value` in
        every text input, or `value[label]` in each by its label (unnamed ones left as the
        modal prefilled them).

        As Discord's client does, it refuses a value the text input does not allow (required,
        min_length, max_length): raises ValueError instead of sending it.
        """
        rows = []
        for row in modal.data["components"]:
            for c in row["components"]:
                if c["type"] != 4:
                    continue
                typed = value if isinstance(value, str) else value.get(c["label"], c.get("value"))
                typed = typed or ""
                low = c.get("min_length") or (1 if c.get("required", True) else 0)
                high = c.get("max_length") or _contract.TEXT_INPUT_VALUE
                if not low <= len(typed) <= high:
                    raise ValueError(
                        f"a Discord client sends {low} to {high} characters in {c['label']!r}"
                    )
                field = {"type": 4, "custom_id": c["custom_id"], "value": typed}
                rows.append({"type": 1, "components": [field]})
        data = {"custom_id": modal.data["custom_id"], "components": rows}
        kwargs.setdefault("guild", self.guild_of(on))
        return await self.inject(5, data, message=on.message, **kwargs)
