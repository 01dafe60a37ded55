"""Sweep processes die with the sweep: after ``kill -9`` of ``archgym sweep`` nothing of it stays alive.

A local sweep runs trials in a process pool whose workers fork from a *fork server* (see
:mod:`archgym_lite.sweep.executors`). The fork server is a child of the sweep; the workers are children of
the fork server. Python's pool notices a dead parent only when it next reads its queue, so after ``kill -9``
the fork server, its workers (mid-trial) and the resource tracker used to live on, re-parented to PID 1.

:func:`die_with_parent` asks the kernel to send ``SIGKILL`` to the calling process when its parent exits
(Linux ``prctl(PR_SET_PDEATHSIG)``); elsewhere a daemon thread polls the parent pid twice a second. The fork
server calls it when it imports :mod:`archgym_lite.sweep.forkserver_init` (a preload module), each worker
calls it in its initializer, so the chain sweep → fork server → workers unwinds at once; the resource
tracker then sees its pipe close and exits by itself.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys
import threading
import time

PR_SET_PDEATHSIG = 1


def _prctl_pdeathsig(sig: int) -> bool:
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(PR_SET_PDEATHSIG, int(sig), 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def _poll_parent(parent: int, period_s: float) -> None:
    while True:
        time.sleep(period_s)
        if os.getppid() != parent:
            os._exit(1)


def die_with_parent(expected_parent: int | None = None, period_s: float = 0.5) -> None:
    """Make this process exit when its parent does.

    Args:
        expected_parent: The parent pid the caller expects; if the parent is already gone (the process was
            re-parented before this call) the process exits at once.
        period_s: Polling period of the fallback thread (non-Linux).
    """
    parent = os.getppid() if expected_parent is None else expected_parent
    if not _prctl_pdeathsig(signal.SIGKILL):
        threading.Thread(target=_poll_parent, args=(parent, period_s), daemon=True,
                         name="archgym-lifeline").start()
    if os.getppid() != parent:  # the parent died before the kernel was asked to watch it
        os._exit(1)
