"""Files that hold members' history are readable by the bot's user only.

The data folder is created 0700 and the database (and its backups) 0600 whatever the umask, so
another account on the host cannot read who studied what. SQLite gives the `-wal` and `-shm`
files the database file's own mode, so creating the database file right covers them too.
"""

from __future__ import annotations

import contextlib
import os
import stat
from pathlib import Path

PRIVATE_DIR = 0o700
PRIVATE_FILE = 0o600


def private_dir(folder: Path) -> None:
    """Create `folder` (and missing parents) 0700; an existing folder is left as its owner set it."""
    if folder.is_dir():
        return
    private_dir(folder.parent)
    with contextlib.suppress(FileExistsError):
        folder.mkdir(mode=PRIVATE_DIR)
        os.chmod(folder, PRIVATE_DIR)  # mkdir's mode is filtered by the umask


def private_file(path: Path) -> None:
    """Make sure `path` exists with mode 0600 before SQLite opens it.

    A new file is created 0600 (never briefly wider); an existing database or backup file that is
    wider than that is narrowed.
    """
    private_dir(path.parent)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE)
    except FileExistsError:
        mode = stat.S_IMODE(path.stat().st_mode)
        if mode & ~PRIVATE_FILE:
            os.chmod(path, mode & PRIVATE_FILE)
        return
    os.close(fd)
