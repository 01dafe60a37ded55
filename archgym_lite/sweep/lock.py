"""One live sweep per run directory: an advisory lock on ``RUN_DIR/.lock`` that names its holder.

``archgym sweep`` takes the lock before it runs a trial and holds it until it ends. A second sweep on the
same run directory fails at once with one line naming the holder (pid, host, when it started) instead of
running every trial a second time. The lock is a POSIX ``flock`` on the open file, so the kernel drops it
when the holder dies in any way (``kill -9`` included): a stale lock file left by a dead sweep is simply
taken over. The file's content (pid, host, start time, command) is information for the error message only.
``flock`` is per machine: two hosts sharing a run directory over NFS are not excluded from each other.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import socket
import sys
import time
from collections.abc import Iterator
from pathlib import Path

from archgym_lite.core.errors import OutputError

LOCK_FILE = ".lock"


class RunDirBusy(OutputError):
    """Another live process holds the run directory's lock."""


def _holder(path: Path) -> str:
    try:
        info = json.loads(path.read_text() or "{}")
    except (OSError, json.JSONDecodeError):
        info = {}
    if not info:
        return "another process"
    started = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(info.get("started", 0)))
    return f"pid {info.get('pid', '?')} on host {info.get('host', '?')} (started {started})"


@contextlib.contextmanager
def run_dir_lock(run_dir: str | Path) -> Iterator[Path]:
    """Hold ``run_dir/.lock`` for the duration of the block.

    Raises:
        RunDirBusy: A live process holds the lock; the message names it.
    """
    path = Path(run_dir) / LOCK_FILE
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o666)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise RunDirBusy(f"run directory {run_dir} is in use by a running sweep: {_holder(path)}; "
                             "wait for it or stop it", "--out") from None
        info = {"pid": os.getpid(), "host": socket.gethostname(), "started": time.time(),
                "command": " ".join(sys.argv)}
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps(info).encode(), 0)
        try:
            yield path
        finally:
            os.ftruncate(fd, 0)  # the file stays (removing it would race a sweep that just opened it)
    finally:
        os.close(fd)
