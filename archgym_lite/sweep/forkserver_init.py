"""Preloaded by the sweep's fork server only: its import ties the fork server's life to the sweep's.

:mod:`archgym_lite.sweep.executors` names this module in ``set_forkserver_preload``; the fork server
imports it once at start-up. Imported anywhere else (not a fork server), it does nothing.
"""

import sys

if sys.argv[:1] == ["-c"] and "multiprocessing.forkserver" in sys.modules:
    from archgym_lite.sweep.lifeline import die_with_parent

    die_with_parent()
