"""The two workspaces the fake Slack serves: their members and channels."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class User:
    display_name: str = ""
    admin: bool = False
    owner: bool = False

    def info(self, user_id: str, team: str) -> dict[str, Any]:
        """users.info's `user` object, the fields quizbot reads."""
        return {
            "id": user_id,
            "team_id": team,
            "name": user_id.lower(),
            "profile": {"display_name": self.display_name},
            "is_admin": self.admin,
            "is_owner": self.owner,
            "is_primary_owner": False,
            "is_bot": False,
            "deleted": False,
        }


@dataclass(frozen=True)
class Channel:
    creator: str
    private: bool = False


@dataclass(frozen=True)
class Workspace:
    id: str
    users: dict[str, User] = field(default_factory=dict)
    channels: dict[str, Channel] = field(default_factory=dict)


WORKSPACES = {
    "T1": Workspace(
        "T1",
        users={
            "U1": User("Ada", admin=True),
            "U2": User("Grace <!here>"),
            "U3": User(),
            "U4": User("Creator"),
            "U7": User("Owen", owner=True),
        },
        channels={"C1": Channel(creator="U4"), "G1": Channel(creator="U4", private=True)},
    ),
    "T2": Workspace(
        "T2",
        users={"U5": User("Lin", admin=True), "U6": User("*Ann*")},
        channels={"C2": Channel(creator="U5")},
    ),
}
