"""Run a call in a child process and give up after a generous timeout.

A catastrophic regular expression holds the GIL and cannot be interrupted from a thread, so a
test that would hang with the old pattern runs its input in a process that can be killed. The
timeout is tens of seconds: it proves the work is bounded by structure, not that it is fast.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable
from typing import Any

GENEROUS_SECONDS = 60.0


def _call(queue: Any, fn: Callable[..., Any], args: tuple[Any, ...]) -> None:
    try:
        queue.put(("ok", fn(*args)))
    except BaseException as exc:
        queue.put(("raised", f"{type(exc).__name__}: {exc}"))


def finishes(fn: Callable[..., Any], *args: Any, timeout: float = GENEROUS_SECONDS) -> Any:
    """`fn(*args)` computed in a child process; fails the test if it is still running at `timeout`."""
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    child = context.Process(target=_call, args=(queue, fn, args), daemon=True)
    child.start()
    try:
        outcome, result = queue.get(timeout=timeout)
    except Exception as exc:  # queue.Empty: the call never returned
        raise AssertionError(f"{fn.__name__} did not finish within {timeout:.0f} s") from exc
    finally:
        child.join(timeout=5)
        if child.is_alive():
            child.kill()
            child.join()
    if outcome == "raised":
        raise AssertionError(f"{fn.__name__} raised {result}")
    return result
