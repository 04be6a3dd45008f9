"""Logging set-up, done once in `main()`: one line per event, text or JSON, secrets redacted."""

from __future__ import annotations

import json
import logging
import re
import sys
from collections.abc import Iterable
from datetime import UTC, datetime

REDACTED = "[redacted]"


class JsonFormatter(logging.Formatter):
    """One JSON object per line, the shape log collectors read."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info or record.exc_text:
            # exc_text is the traceback RedactSecrets already cleaned; never format it afresh.
            entry["exception"] = record.exc_text or self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


# An interaction token or webhook token is a credential for 15 minutes (or for ever, for a
# webhook): discord.py's own rate-limit warnings print the full URL, so it is cut out here. The
# pattern is linear (no nested repetition) whatever the line holds.
URL_TOKEN = re.compile(r"(/(?:webhooks|interactions)/\d{1,20}/)[A-Za-z0-9_.\-]{20,}")
# Slack: every installed workspace brings its own tokens, unknown when logging is set up. Bot,
# user, app-level and refresh tokens (`xoxb-`, `xoxp-`, `xapp-`, `xoxe-`, rotating `xoxe.xoxb-`)
# keep their prefix; the OAuth code and state in a redirect URL (aiohttp's access log), fields
# of that name in a logged request body, and HTTP Basic credentials (client id and secret) go.
SLACK_TOKEN = re.compile(r"\b((?:xox[a-z]|xapp)(?:\.xox[a-z])?-)[A-Za-z0-9-]{6,}")
OAUTH_PARAM = re.compile(
    r"([?&](?:code|state|refresh_token|client_secret|token)=)[^&\s\"'#]+"
    r"|(['\"](?:code|state|refresh_token|client_secret|access_token|token)['\"]\s?:\s?\[?['\"])"
    r"[^'\"]+"
    r"|(\bBasic )[A-Za-z0-9+/=]{8,}"
)


def _keep_name(match: re.Match[str]) -> str:
    """The parameter's name (whichever alternative matched), its value redacted."""
    return next(g for g in match.groups() if g is not None) + REDACTED


class RedactSecrets(logging.Filter):
    """Replace every known secret, tokens inside Discord URLs, Slack tokens and OAuth codes, in
    a record's text, whichever library logged it."""

    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        self.secrets = [s for s in secrets if s and len(s) >= 6]

    def _clean(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, REDACTED)
        text = URL_TOKEN.sub(r"\g<1>" + REDACTED, text)
        text = SLACK_TOKEN.sub(r"\g<1>" + REDACTED, text)
        return OAUTH_PARAM.sub(_keep_name, text)

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        text = self._clean(message)
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self._clean(record.exc_text)
        if text != message:
            record.msg, record.args = text, None
        return True


def configure(level: str = "INFO", fmt: str = "text", secrets: Iterable[str] = ()) -> None:
    handler = logging.StreamHandler(sys.stderr)
    if fmt == "json":
        handler.setFormatter(JsonFormatter())
    elif fmt == "bare":  # a one-line message to a person, before settings are known
        handler.setFormatter(logging.Formatter("%(message)s"))
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)-7s %(name)s: %(message)s"))
    handler.addFilter(RedactSecrets(secrets))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # Warnings (an unclosed session at exit, a deprecation) go through the same handler, so
    # JSON mode never prints a line that is not JSON.
    logging.captureWarnings(True)
