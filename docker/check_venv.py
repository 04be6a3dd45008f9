"""Prove the trimmed venv still runs the bot; called in the Dockerfile's build stage.

Imports every module of the bot (both chat adapters, storage, the process entry points),
renders the real stats chart, and saves one figure with mathtext and non-ASCII text in every
format matplotlib writes without external programs, with Type 3 and Type 42 fonts, so a
removal that breaks a chart or an import fails the build instead of a user's /stats.
Run: python check_venv.py (the venv's own python, the project installed).
"""

from __future__ import annotations

import importlib
import io
import logging
import pkgutil
import struct
from datetime import UTC, datetime, timedelta

import matplotlib
from matplotlib.figure import Figure
from PIL import Image

import bot
from bot.adapters.charts import stats_chart
from bot.core.models import DayCount, Learner, Stats

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# pgf needs LaTeX; slim_venv.py removes Pillow's optional AVIF codec (Pillow reports it absent).
NOT_IN_IMAGE = {"pgf", "avif"}


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
