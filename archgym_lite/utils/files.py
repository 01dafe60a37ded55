"""Files written safely: atomic replacement, the user's umask, output paths checked before any work.

Every file archgym-lite writes (trial logs and manifests, ``sweep.yaml``, reports, proxy models) goes
through :func:`atomic_path`: the content is written to a temporary file in the destination directory and
renamed over the final name, so a crash (even ``kill -9``) leaves the old file or the new one, never a
half-written one. Temporary files from :func:`tempfile.mkstemp` are created with mode 0600; they are given
the mode a plain ``open()`` would give (``0666 & ~umask``) before the rename, so a run directory shared by a
group stays readable by the group.

Output paths are checked up front (:func:`ensure_output_dir`, :func:`ensure_output_file`): a path that is
an existing file where a directory is wanted, a directory where a file is wanted, or a directory that cannot
be written raises :class:`~archgym_lite.core.errors.OutputError` naming the option, before minutes of work.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from archgym_lite.core.errors import OutputError


def current_umask() -> int:
    """The process umask, read without changing it where the OS allows (Linux ``/proc``)."""
    with contextlib.suppress(OSError, ValueError):
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


@contextlib.contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; on success it replaces ``path`` with the umask's mode.

    Example::

        with atomic_path(out / "plot.png") as tmp:
            fig.savefig(tmp, format="png")
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    try:
        yield Path(tmp)
        os.chmod(tmp, 0o666 & ~current_umask())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def atomic_write_bytes(path: str | Path, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically (temporary file, fsync, rename)."""
    with atomic_path(path) as tmp, open(tmp, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())


def atomic_write_text(path: str | Path, text: str) -> None:
    atomic_write_bytes(path, text.encode())


def atomic_write_json(path: str | Path, obj: Any) -> None:
    atomic_write_bytes(path, json.dumps(obj, indent=2, sort_keys=True, default=json_default).encode())


def json_default(o: Any) -> Any:
    """``json.dumps`` fallback for numpy scalars and arrays and paths."""
    if isinstance(o, np.generic):
        return o.item()
    if isinstance(o, np.ndarray):
        return o.tolist()
    if isinstance(o, Path):
        return str(o)
    raise TypeError(f"not JSON serialisable: {type(o).__name__}")


def _first_existing(path: Path) -> Path:
    p = path
    while not p.exists() and p != p.parent:
        p = p.parent
    return p


def ensure_output_dir(path: str | Path, what: str = "--out") -> Path:
    """Create ``path`` as a directory (with parents) and check that files can be written in it.

    Raises:
        OutputError: ``path`` or one of its parents is an existing file, or the directory cannot be
            created or written (read-only, no permission).
    """
    path = Path(path)
    existing = _first_existing(path)
    if existing.exists() and not existing.is_dir():
        where = "" if existing == path else f" (its parent {existing} is a file)"
        raise OutputError(f"{path} is not a directory{where}", what)
    try:
        path.mkdir(parents=True, exist_ok=True)
        fd, probe = tempfile.mkstemp(dir=path, prefix=".write-check.")
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        raise OutputError(f"cannot write in directory {path}: {exc.strerror or exc}", what) from None
    return path


def ensure_output_file(path: str | Path, what: str = "--out") -> Path:
    """Check that ``path`` can be written as a file (its directory is created if needed).

    Raises:
        OutputError: ``path`` is an existing directory, or its directory cannot be written.
    """
    path = Path(path)
    if path.is_dir():
        raise OutputError(f"{path} is a directory; give a file name", what)
    ensure_output_dir(path.parent if str(path.parent) else Path("."), what)
    if path.exists() and not os.access(path, os.W_OK):
        raise OutputError(f"{path} exists and is not writable", what)
    return path
