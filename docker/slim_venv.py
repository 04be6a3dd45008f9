"""Trim the image's venv to what the bot runs; called once in the Dockerfile's build stage.

Removed, because nothing in the running bot loads it (each rule says why):
- test suites and test-only extension modules, typing stubs, C/Cython sources and headers,
  PyInstaller hooks: tests, type checkers and compilers read them, the interpreter never does;
- numpy's build tools (distutils, f2py, the headers and static library in _core);
- matplotlib's GUI and notebook backends (Qt, Tk, GTK, wx, WebAgg, nbagg, macOS, cairo: none
  has its toolkit in the image), their toolbar icons, the sample data, its test and Sphinx
  helpers. Agg (PNG, JPEG, TIFF, WebP) and the vector backends (PDF, PS, SVG, PGF) stay;
- the fontTools packages that no matplotlib output imports (font compilers and converters);
- Pillow's AVIF codec (matplotlib cannot write AVIF; Pillow reports it unsupported);
- vendored shared libraries (*.libs) that no remaining module links against;
- console scripts whose module is gone.

Then debug sections are stripped from the compiled modules that carry them (about 29 MB),
except the patchelf-ed libraries in *.libs, which stripping breaks; each stripped file is
loaded to prove it still links. Run: python slim_venv.py (the venv's own python).
"""

from __future__ import annotations

import ctypes
import re
import shutil
import subprocess
import sys
import sysconfig
from collections.abc import Iterable
from pathlib import Path

SITE = Path(sysconfig.get_paths()["purelib"])
BIN = Path(sys.prefix) / "bin"

DIRECTORY_NAMES = ("tests", "__pyinstaller", "_pyinstaller")
FILE_PATTERNS = ("*.pyi", "py.typed", "*.c", "*.cpp", "*.h", "*.hpp", "*.pyx", "*.pxd", "*.pxi")
TEST_MODULES = ("_multiarray_tests", "_operand_flag_tests", "_rational_tests", "_simd")
TEST_MODULES += ("_struct_ufunc_tests", "_umath_tests")

PATHS = (
    "numpy/distutils",
    "numpy/f2py",
    "numpy/testing",
    "numpy/doc",
    "numpy/conftest.py",
    "numpy/_configtool.py",
    "numpy/_core/include",
    "numpy/_core/lib",
    "matplotlib/testing",
    "matplotlib/sphinxext",
    "matplotlib/mpl-data/images",
    "matplotlib/mpl-data/sample_data",
    "matplotlib/mpl-data/plot_directive",
    "matplotlib/backends/qt_editor",
    "matplotlib/backends/web_backend",
    "matplotlib/backends/qt_compat.py",
    "matplotlib/backends/_backend_tk.py",
    "matplotlib/backends/_backend_gtk.py",
    "matplotlib/backends/backend_cairo.py",
    "matplotlib/backends/backend_macosx.py",
    "matplotlib/backends/backend_nbagg.py",
    "fontTools/__main__.py",
    "fontTools/help.py",
    "fontTools/ttx.py",
    "fontTools/fontBuilder.py",
    "fontTools/cu2qu",
    "fontTools/qu2cu",
    "fontTools/ufoLib",
    "fontTools/voltLib",
    "fontTools/mtiLib",
    "fontTools/merge",
    "fontTools/svgLib",
    "fontTools/diff",
)
# Backends whose toolkit is absent; the stem is followed by a variant (qt5agg, gtk4cairo, ...).
GUI_BACKENDS = ("qt", "tk", "gtk", "wx", "webagg")
GLOBS = ("matplotlib/backends/_tkagg.*", "PIL/_imagingtk.*", "PIL/_avif.*")


def remove(path: Path) -> int:
    """Delete a file or folder; the bytes it held."""
    if path.is_dir() and not path.is_symlink():
        size = sum(p.stat().st_size for p in path.rglob("*") if p.is_file())
        shutil.rmtree(path)
        return size
    size = path.stat().st_size
    path.unlink()
    return size


def candidates() -> Iterable[Path]:
    for name in DIRECTORY_NAMES:
        yield from (p for p in SITE.rglob(name) if p.is_dir())
    for pattern in FILE_PATTERNS:
        yield from SITE.rglob(pattern)
    for module in TEST_MODULES:
        yield from (SITE / "numpy/_core").glob(f"{module}.*")
    yield from (SITE / path for path in PATHS)
    for stem in GUI_BACKENDS:
        yield from (SITE / "matplotlib/backends").glob(f"backend_{stem}*.py")
    for pattern in GLOBS:
        yield from SITE.glob(pattern)


def needed(elf: Path) -> set[str]:
    """The DT_NEEDED entries of one ELF file (readelf, binutils in the build stage)."""
    out = subprocess.run(["readelf", "-d", str(elf)], capture_output=True, text=True).stdout
    return set(re.findall(r"\(NEEDED\)\s+Shared library: \[([^\]]+)\]", out))


def orphan_libraries() -> list[Path]:
    """Vendored libraries in *.libs that nothing left (modules or other libraries) links."""
    vendored = {p.name: p for p in SITE.glob("*.libs/*") if p.is_file()}
    reached: set[str] = set()
    todo = [p for p in SITE.rglob("*.so") if p.parent.suffix != ".libs"]
    while todo:
        for name in needed(todo.pop()) & vendored.keys() - reached:
            reached.add(name)
            todo.append(vendored[name])
    return [path for name, path in sorted(vendored.items()) if name not in reached]


def dead_scripts() -> list[Path]:
    """Console scripts in the venv's bin whose entry module no longer exists."""
    dead = []
    for script in BIN.iterdir():
        if not script.is_file() or script.is_symlink():
            continue
        match = re.search(r"^from ([\w.]+) import ", script.read_text(errors="replace"), re.M)
        if match and not module_exists(match.group(1)):
            dead.append(script)
    return dead


def module_exists(name: str) -> bool:
    parts = name.split(".")
    base = SITE.joinpath(*parts)
    return base.is_dir() or any(base.parent.glob(base.name + ".*"))


def strip_debug() -> int:
    """Strip debug sections from compiled modules that carry them; prove each still loads."""
    stripped = [
        p
        for p in SITE.rglob("*.so*")
        if p.is_file() and p.parent.suffix != ".libs" and b".debug_info" in p.read_bytes()
    ]
    before = sum(p.stat().st_size for p in stripped)
    if stripped:
        subprocess.run(["strip", "--strip-debug", *map(str, stripped)], check=True)
    for path in stripped:
        ctypes.CDLL(str(path))
    print(f"slim_venv: {len(stripped)} stripped modules load")
    return before - sum(p.stat().st_size for p in stripped)


def main() -> None:
    freed = 0
    for path in sorted(set(candidates())):
        if path.exists() or path.is_symlink():
            freed += remove(path)
    for path in orphan_libraries() + dead_scripts():
        print(f"slim_venv: unused {path.relative_to(sys.prefix)}")
        freed += remove(path)
    freed += strip_debug()
    print(f"slim_venv: {freed / 1e6:.1f} MB freed in {sys.prefix}")


if __name__ == "__main__":
    main()
