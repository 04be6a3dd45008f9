"""Suite-wide: the PostgreSQL schemas a test made are dropped when it ends."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.backends import drop_schemas


@pytest.fixture(autouse=True)
def _drop_test_schemas() -> Iterator[None]:
    """Set up before, so torn down after, every fixture that opened a repository."""
    yield
    drop_schemas()
