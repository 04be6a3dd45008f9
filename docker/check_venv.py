"""Prove the trimmed venv still runs the bot; called in the Dockerfile's build stage.

Imports every module of the bot (both chat adapters, storage, the process entry points),
renders the real stats chart, and saves one figure with mathtext and non-ASCII text in every
format matplotlib writes without external programs, with Type 3 and Type 42 fonts, so a
removal that breaks a chart or an import fails the build instead of a user's /stats.
It also fails when the venv holds an installer, a dev extra, a test suite, or a module that
is not byte-compiled exactly once. Run: python check_venv.py (the venv's python, project in).
"""

from __future__ import annotations

import importlib
import importlib.util
import io
import logging
import pkgutil
import struct
import sys
import sysconfig
from datetime import UTC, datetime, timedelta
from pathlib import Path

import matplotlib
from matplotlib.figure import Figure
from PIL import Image

import bot
from bot.adapters.charts import stats_chart
from bot.core.models import Learner
from bot.core.reports import DayCount, Stats

SITE = Path(sysconfig.get_paths()["purelib"])
NOT_AT_RUN_TIME = ("pip", "setuptools", "wheel", "pytest", "pytest_asyncio", "hypothesis", "ruff")
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# pgf needs LaTeX; slim_venv.py removes Pillow's optional AVIF codec (Pillow reports it absent).
NOT_IN_IMAGE = {"pgf", "avif"}


def leftovers() -> list[str]:
    """What the final image must not carry: installers, dev tools, tests, missing or extra .pyc."""
    found = [name for name in NOT_AT_RUN_TIME if importlib.util.find_spec(name)]
    found += [str(p) for p in SITE.rglob("tests") if p.is_dir()]
    tag = sys.implementation.cache_tag
    for source in SITE.rglob("*.py"):
        cached = list((source.parent / "__pycache__").glob(f"{source.stem}.{tag}*.pyc"))
        if [c.name for c in cached] != [f"{source.stem}.{tag}.pyc"]:
            found.append(f"{source} compiled as {[c.name for c in cached]}")
    return found


def import_the_bot() -> int:
    names = [
        info.name
        for info in pkgutil.walk_packages(bot.__path__, "bot.")
        if not info.name.endswith("__main__")
    ]
    for name in names:
        importlib.import_module(name)
    return len(names)


def stats_png() -> tuple[int, int, int]:
    """The /stats chart of a learner with a month of reviews: (width, height, bytes)."""
    now = datetime(2025, 3, 31, 12, tzinfo=UTC)
    days = tuple(
        DayCount((now.date() - timedelta(days=i)).isoformat(), 5 + i, 3 + i // 2)
        for i in range(0, 30, 3)
    )
    stats = Stats(Learner("console", "image", "check"), 200, 120, 4, 3, 5, 9, days=days)
    png = stats_chart(stats, now, "Ünïcode · $x^2$ days")
    assert png.startswith(PNG_SIGNATURE), png[:8]
    width, height = struct.unpack(">II", png[16:24])
    return width, height, len(png)


def every_format() -> list[str]:
    figure = Figure(figsize=(3, 2))
    axes = figure.add_subplot()
    axes.bar([1, 2, 3], [3, 1, 2], label="right")
    axes.set_title(r"Retention · é $\sum_i x_i^2$")
    axes.legend()
    formats = sorted(set(figure.canvas.get_supported_filetypes()) - NOT_IN_IMAGE)
    for fonttype in (3, 42):
        with matplotlib.rc_context({"pdf.fonttype": fonttype, "ps.fonttype": fonttype}):
            for fmt in formats:
                out = io.BytesIO()
                figure.savefig(out, format=fmt)
                assert out.tell() > 0, fmt
    return formats


def main() -> None:
    if extra := leftovers():
        raise SystemExit("check_venv: not for the image:\n" + "\n".join(extra[:20]))
    logging.getLogger("matplotlib").setLevel(logging.ERROR)  # PostScript's transparency note
    modules = import_the_bot()
    width, height, size = stats_png()
    formats = every_format()
    Image.init()
    assert "PNG" in Image.SAVE, "Pillow cannot write PNG"
    print(f"check_venv: {modules} bot modules import")
    print(f"check_venv: stats chart {width}x{height} PNG, {size} bytes")
    print(f"check_venv: matplotlib writes {', '.join(formats)}")


if __name__ == "__main__":
    main()
