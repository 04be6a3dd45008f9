"""A chat app's installation in one workspace, as the database keeps it.

Slack's distribution model: each workspace that installs the app hands the bot its own token.
The record is platform-neutral and opaque where it matters: `secrets` and `user_secrets` are
sealed (encrypted) by the adapter before they reach storage, so no back-end, backup or log of a
query ever holds a usable token.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class AppInstall:
    """The latest installation of the app in (platform, enterprise, workspace).

    `workspace` is '' for an organisation-wide install (then `enterprise` names the
    organisation); `installed_by` is the installing member's user id ('' once they asked to be
    forgotten); `details` is JSON of what is not secret (app id, bot user id, scopes, expiry).
    """

    platform: str
    enterprise: str
    workspace: str
    installed_by: str
    enterprise_install: bool
    installed_at: datetime
    details: str
    secrets: str
    user_secrets: str | None = None
