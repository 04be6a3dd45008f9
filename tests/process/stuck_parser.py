"""A hostile upload as the parsing child sees it: it writes its pid where the request's `name`
says, then spins on the CPU forever. `UploadParser(program=...)` runs it to prove the budget."""

from __future__ import annotations

import os
import pickle
import sys
from pathlib import Path

if __name__ == "__main__":
    _filename, _data, _fmt, pid_file = pickle.loads(sys.stdin.buffer.read())
    Path(pid_file).write_text(str(os.getpid()))
    while True:
        pass
