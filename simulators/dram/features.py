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
* ``scheduler_choice``: 0 for Fifo, a serial design *or* FrFcfs under the Closed page policy (every column
  command auto-precharges, so no request ever finds its row open and "oldest row hit, else oldest" is the
  oldest), 1 FrFcfs, 2 FrFcfsGrp.
* ``in_order_responses``: 1 where the player gets its responses in request order: ``RespQueue`` Reorder,
  Arbiter Reorder (either reorder stage does it; with a Fifo/Reorder arbiter the two knobs act only through
  this), or a serial design (in order anyway); else 0.
* ``log2_max_active``: ``MaxActiveTransactions`` where the arbiter applies it; Arbiter Simple has no limit,
  coded one step above the largest level (log2 256 = 8).
* ``buffer_organisation``: 0 Bankwise, 1 ReadWrite, 2 Shared where it can bind, -1 where it cannot: serial, or at
  most ``RequestBufferSize`` requests outstanding (a capped arbiter with ``MaxActiveTransactions`` <= the size),
  which every organisation stores whole.
* ``log2_buffer_depth``: ``RequestBufferSize`` as it binds: under a Fifo/Reorder arbiter at most
  ``MaxActiveTransactions`` requests are outstanding, so a larger buffer holds no more; ``log2 min(size, limit)``.
* ``open_page``: 1 for Open/OpenAdaptive (rows stay open after a column command: row hits, and active-standby
  background power), 0 for Closed/ClosedAdaptive.

Checked on all 442,368 designs of DRAM-v0 (its full space, simulated once): designs with the same codes and the
same other knobs have identical read latency, power and energy (Scheduler where ``scheduler_choice`` is equal,
SchedulerBuffer where ``buffer_organisation`` is -1, RequestBufferSize beyond the depth, Arbiter Fifo/Reorder and
RespQueue where ``in_order_responses`` is equal, MaxActiveTransactions under Arbiter Simple); the test suite
checks each rule on the simulator. That leaves 65,216 distinct behaviours to learn instead of 442,368 designs:
with 5,000 actively sampled designs the proxy's error on fresh uniform designs fell from 0.75% to 0.25% relative
RMSE on read latency and from 0.73% to 0.43% on power (``experiments/bench/bench_proxy.py``; numbers per change
in the commit messages).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

#: ``log2`` code of "no in-flight limit" (Arbiter Simple): one step above the largest MaxActiveTransactions.
UNLIMITED_LOG2 = 8.0


def _masks(columns: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    """The level tests the features share, each done once (a comparison over an object column costs ~15 ns a
    design, and prediction has ~1 us a design in all)."""
    page = np.asarray(columns["PagePolicy"])
    closed = page == "Closed"
    return {**_queue_masks(columns), "closed": closed, "open_page": ~(closed | (page == "ClosedAdaptive"))}


def _queue_masks(columns: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    """The level tests of :func:`queue_features` (buffer organisation, capped arbiter)."""
    org = np.asarray(columns["SchedulerBuffer"])
    return {"bankwise": org == "Bankwise", "readwrite": org == "ReadWrite",
            "capped": np.asarray(columns["Arbiter"]) != "Simple"}


def queue_features(columns: Mapping[str, np.ndarray], n_banks: int,
                   masks: Mapping[str, np.ndarray] | None = None) -> dict[str, np.ndarray]:
    """``log2`` of the buffer slots and of the effective in-flight limit, per design."""
    m = masks if masks is not None else _queue_masks(columns)
    size = np.asarray(columns["RequestBufferSize"], dtype=float)
    slots = np.where(m["bankwise"], n_banks * size, np.where(m["readwrite"], 2.0 * size, size))
    max_active = np.asarray(columns["MaxActiveTransactions"], dtype=float)
    limit = np.where(m["capped"], np.minimum(slots, max_active), slots)
    return {"log2_buffer_slots": np.log2(slots), "log2_inflight_limit": np.log2(limit)}


def effective_knobs(columns: Mapping[str, np.ndarray],
                    masks: Mapping[str, np.ndarray] | None = None) -> dict[str, np.ndarray]:
    """The knobs as they act (module docstring), one float array each."""
    m = masks if masks is not None else _masks(columns)
    size = np.asarray(columns["RequestBufferSize"], dtype=float)
    max_active = np.asarray(columns["MaxActiveTransactions"], dtype=float)
    capped = m["capped"]
    serial = (size == 1) | (capped & (max_active == 1))
    sched = np.asarray(columns["Scheduler"])
    choice = np.where(sched == "FrFcfsGrp", 2.0, np.where((sched == "FrFcfs") & ~m["closed"], 1.0, 0.0))
    choice[serial] = 0.0
    organisation = np.where(m["bankwise"], 0.0, np.where(m["readwrite"], 1.0, 2.0))
    organisation[serial | (capped & (max_active <= size))] = -1.0
    in_order = serial | (np.asarray(columns["Arbiter"]) == "Reorder") | (np.asarray(columns["RespQueue"]) == "Reorder")
    return {
        "serial": serial.astype(float),
        "scheduler_choice": choice,
        "in_order_responses": in_order.astype(float),
        "log2_max_active": np.where(capped, np.log2(max_active), UNLIMITED_LOG2),
        "buffer_organisation": organisation,
        "log2_buffer_depth": np.log2(np.where(capped, np.minimum(size, max_active), size)),
        "open_page": m["open_page"].astype(float),
    }


def proxy_features(columns: Mapping[str, np.ndarray], n_banks: int) -> dict[str, np.ndarray]:
    """Every domain feature: :func:`queue_features`, then :func:`effective_knobs`."""
    masks = _masks(columns)
    return {**queue_features(columns, n_banks, masks), **effective_knobs(columns, masks)}
