"""Domain features for proxy models of the memory controller (see ``Simulator.proxy_features``).

How many requests the controller can hold and keep in flight is the main driver of latency, and it is a
product of several knobs that a tree model would otherwise have to learn jointly from few samples:

* buffer slots: ``RequestBufferSize`` per bank (Bankwise), per direction (ReadWrite) or in total (Shared);
* in-flight limit: ``MaxActiveTransactions`` caps that only under the Fifo and Reorder arbiters.

Both are given in log2. Adding them cut the held-out error of the DRAM latency proxy from ~2% to ~0.8% relative
RMSE at 5,000 training designs (experiments/bench/bench_proxy.py).

Several knobs also stop mattering in whole regions of the space (:mod:`.controller` has the rules); a knob that
is inert in half the designs splits the training designs for nothing. :func:`effective_knobs` gives each such
knob as it acts, with one neutral code wherever it cannot act, so designs that behave alike share a value:

* ``serial``: one slot per buffer (``RequestBufferSize`` 1: a bank machine never has two requests to choose
  from) or one outstanding transaction (``MaxActiveTransactions`` 1 under a Fifo/Reorder arbiter). Then the
  scheduler has no choice and the responses come in request order.
* ``scheduler_choice``: 0 for Fifo *or* a serial design, 1 FrFcfs, 2 FrFcfsGrp.
* ``reorder_responses``: 1 where ``RespQueue`` Reorder can change anything: not serial and not behind an
  Arbiter Reorder (which already returns requests in order).
* ``log2_max_active``: ``MaxActiveTransactions`` where the arbiter applies it; Arbiter Simple has no limit,
  coded one step above the largest level (log2 256 = 8).
* ``buffer_organisation``: 0 Bankwise, 1 ReadWrite, 2 Shared where it can bind, -1 where it cannot: serial, or at
  most ``RequestBufferSize`` requests outstanding (a capped arbiter with ``MaxActiveTransactions`` <= the size),
  which every organisation stores whole.
* ``open_page``: 1 for Open/OpenAdaptive (rows stay open after a column command: row hits, and active-standby
  background power), 0 for Closed/ClosedAdaptive.

On all 442,368 designs of DRAM-v0 (its full space, simulated once) Scheduler and RespQueue never change read
latency where these codes call them inert; the buffer organisation rule holds for latency in every design the
rule names. With them the active-sampling proxy's fresh-uniform error fell from 0.75% to ~0.5% on read latency
(numbers in the commit messages; ``experiments/bench/bench_proxy.py`` measures).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

#: ``log2`` code of "no in-flight limit" (Arbiter Simple): one step above the largest MaxActiveTransactions.
UNLIMITED_LOG2 = 8.0


def _capped(columns: Mapping[str, np.ndarray]) -> np.ndarray:
    """Arbiter Fifo or Reorder: ``MaxActiveTransactions`` applies."""
    return np.asarray(columns["Arbiter"]) != "Simple"


def queue_features(columns: Mapping[str, np.ndarray], n_banks: int) -> dict[str, np.ndarray]:
    """``log2`` of the buffer slots and of the effective in-flight limit, per design."""
    size = np.asarray(columns["RequestBufferSize"], dtype=float)
    org = np.asarray(columns["SchedulerBuffer"])
    slots = np.where(org == "Bankwise", n_banks * size, np.where(org == "ReadWrite", 2.0 * size, size))
    capped = _capped(columns)
    limit = np.where(capped, np.minimum(slots, np.asarray(columns["MaxActiveTransactions"], dtype=float)), slots)
    return {"log2_buffer_slots": np.log2(slots), "log2_inflight_limit": np.log2(limit)}


def effective_knobs(columns: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    """The knobs as they act (module docstring), one float array each."""
    size = np.asarray(columns["RequestBufferSize"], dtype=float)
    max_active = np.asarray(columns["MaxActiveTransactions"], dtype=float)
    arbiter = np.asarray(columns["Arbiter"])
    capped = arbiter != "Simple"
    serial = (size == 1) | (capped & (max_active == 1))
    sched = np.asarray(columns["Scheduler"])
    choice = np.where(sched == "FrFcfs", 1.0, np.where(sched == "FrFcfsGrp", 2.0, 0.0))
    org = np.asarray(columns["SchedulerBuffer"])
    org_code = np.where(org == "Bankwise", 0.0, np.where(org == "ReadWrite", 1.0, 2.0))
    whole = serial | (capped & (max_active <= size))
    page = np.asarray(columns["PagePolicy"])
    return {
        "serial": serial.astype(float),
        "scheduler_choice": np.where(serial, 0.0, choice),
        "reorder_responses": ((np.asarray(columns["RespQueue"]) == "Reorder") & ~serial
                              & (arbiter != "Reorder")).astype(float),
        "log2_max_active": np.where(capped, np.log2(max_active), UNLIMITED_LOG2),
        "buffer_organisation": np.where(whole, -1.0, org_code),
        "open_page": ((page == "Open") | (page == "OpenAdaptive")).astype(float),
    }


def proxy_features(columns: Mapping[str, np.ndarray], n_banks: int) -> dict[str, np.ndarray]:
    """Every domain feature: :func:`queue_features`, then :func:`effective_knobs`."""
    return {**queue_features(columns, n_banks), **effective_knobs(columns)}
