"""Where SCALE-Sim runs: an interpreter with ``scalesim==3.0.0`` (it needs ``numpy<2.4``, so not ours).

The interpreter ``ARCHGYM_SCALESIM_PYTHON`` if set, else ``<ARCHGYM_SCALESIM_VENV or
~/.cache/archgym-lite/scalesim-venv>/bin/python``, built once under a lock file. archgym-lite's SCALE-Sim peer test
(``tests/test_accelerator_peer.py``) gets its interpreter from here too, so both share one cached venv.

``python -m archgym_scalesim.venv`` builds it (needs PyPI) and prints the interpreter's path.
"""

from __future__ import annotations

import fcntl
import os
import subprocess
import sys
from pathlib import Path

from archgym_lite import SpecError

PINS = ("scalesim==3.0.0", "numpy<2.4")


def venv_dir() -> Path:
    return Path(os.environ.get("ARCHGYM_SCALESIM_VENV", Path.home() / ".cache" / "archgym-lite" / "scalesim-venv"))


def _works(py: Path) -> bool:
    return py.exists() and subprocess.run([str(py), "-c", "import scalesim.scale_sim"],
                                          capture_output=True).returncode == 0


def scalesim_python(build: bool = False) -> str:
    """The interpreter that runs SCALE-Sim; with ``build``, create the venv if it is missing.

    Raises:
        SpecError: No such interpreter (and ``build`` is off, or building failed).
    """
    explicit = os.environ.get("ARCHGYM_SCALESIM_PYTHON")
    if explicit:
        return explicit
    venv = venv_dir()
    py = venv / "bin" / "python"
    if not build:
        if not py.exists():
            raise SpecError(f"no SCALE-Sim interpreter at {py}; build it with `python -m archgym_scalesim.venv` "
                            "(needs PyPI) or set ARCHGYM_SCALESIM_PYTHON", "python")
        return str(py)
    venv.parent.mkdir(parents=True, exist_ok=True)
    with open(venv.parent / "scalesim-venv.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # concurrent builders (test workers) wait for one build
        if not _works(py):
            try:
                subprocess.run([sys.executable, "-m", "venv", "--clear", str(venv)], check=True,
                               capture_output=True, timeout=120)
                subprocess.run([str(py), "-m", "pip", "install", "-q", *PINS], check=True, capture_output=True,
                               timeout=600)
            except (subprocess.SubprocessError, OSError) as exc:
                raise SpecError(f"cannot build the SCALE-Sim venv at {venv}: {exc}", "python") from None
    return str(py)


if __name__ == "__main__":  # pragma: no cover
    print(scalesim_python(build=True))
