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


class RedactSecrets(logging.Filter):
    """Replace every known secret, and tokens inside Discord URLs, in a record's text, whichever
    library logged it."""

    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        self.secrets = [s for s in secrets if s and len(s) >= 6]

    def _clean(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, REDACTED)
        return URL_TOKEN.sub(r"\g<1>" + REDACTED, text)

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
