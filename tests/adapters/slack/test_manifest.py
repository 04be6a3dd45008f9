"""slack-manifest.yaml grants every scope the Slack adapter's Web API calls need."""

from __future__ import annotations

import ast
from pathlib import Path

import yaml

from tests.adapters.slack.slack_methods import METHODS, api_methods, manifest_scopes

ADAPTER = Path(__file__).resolve().parents[3] / "bot" / "adapters" / "slack"


def client_calls(folder: Path = ADAPTER) -> dict[str, set[str]]:
    """slack_sdk method name -> the files calling it, for every `<...>client.<method>(...)`."""
    found: dict[str, set[str]] = {}
    for path in sorted(folder.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
                continue
            owner = node.func.value
            name = owner.id if isinstance(owner, ast.Name) else getattr(owner, "attr", "")
            if name == "client":
                found.setdefault(node.func.attr, set()).add(path.name)
    return found


def test_the_scan_finds_the_calls_it_must() -> None:
    """The scan sees both `client.x(...)` and `self.client.x(...)`, in every module."""
    calls = client_calls()
    assert {"chat_postMessage", "users_info", "conversations_info", "views_publish"} <= set(calls)
    assert {"daily.py", "competition.py", "replies.py"} <= calls["chat_postMessage"]


def test_every_called_method_is_known_and_its_scopes_granted() -> None:
    """A method missing from the table, or a scope missing from the manifest, fails here:
    real Slack would answer `missing_scope` in production."""
    granted = manifest_scopes()
    problems = []
    for python, files in sorted(client_calls().items()):
        methods = api_methods(python)
        if methods is None:
            problems.append(f"{python} ({', '.join(sorted(files))}): not in slack_methods.METHODS")
            continue
        for method in methods:
            spec = METHODS[method]
            missing = [] if spec.app_token else sorted(set(spec.scopes) - granted)
            if missing:
                problems.append(f"{method} ({', '.join(sorted(files))}) needs {missing}")
    assert not problems, "\n".join(problems)


def test_the_manifest_asks_for_nothing_unused() -> None:
    """Least privilege: every bot scope is one a called method needs (or `commands`)."""
    needed = {"commands"}
    for python in client_calls():
        for method in api_methods(python) or ():
            needed |= set(METHODS[method].scopes)
    assert manifest_scopes() <= needed, manifest_scopes() - needed


def test_events_the_app_listens_to_are_subscribed() -> None:
    """app_home_opened reaches the bot only if the manifest subscribes to it."""
    manifest = yaml.safe_load((ADAPTER.parents[2] / "slack-manifest.yaml").read_text())
    events = set(manifest["settings"]["event_subscriptions"]["bot_events"])
    listened = {
        node.args[0].value
        for path in ADAPTER.glob("*.py")
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "event"
        and node.args
        and isinstance(node.args[0], ast.Constant)
    }
    assert listened and listened <= events


def test_an_install_asks_for_exactly_the_manifest_scopes() -> None:
    """The OAuth flow's scope list and slack-manifest.yaml are one list: a scope added to one
    and not the other fails here (an install would get fewer scopes than the app needs, or ask
    for more than the app's page shows)."""
    from bot.adapters.slack.oauth import BOT_SCOPES
    from tests.adapters.slack.slack_methods import MANIFEST

    listed = yaml.safe_load(MANIFEST.read_text())["oauth_config"]["scopes"]["bot"]
    assert list(BOT_SCOPES) == listed
