"""`DRAMSimulator`: the DRAMSys knob space over one parsed trace, and the ``archgym/DRAM-v0`` entry point."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from archgym_lite.core.env import DesignEnv
from archgym_lite.core.errors import SpecError, TraceError
from archgym_lite.core.simulator import Metric, Simulator
from archgym_lite.core.space import Columns, Design, DesignSpace
from simulators.dram import controller as K
from simulators.dram import features as F
from simulators.dram import layout as L
from simulators.dram.config import C_LOG, C_REF, encode, knob_space
from simulators.dram.devices import DeviceSpec, get_device
from simulators.dram.energy import COMMAND_ENERGY_KEYS, STATES, background_power_mw, command_energies_nj
from simulators.dram.mapping import AddressMapping, get_mapping
from simulators.dram.timing import command_lengths, dense_tables
from simulators.dram.traces import GENERATORS, Trace, generate, load_trace

METRICS = (
    Metric("sim_time_ns", "ns", True, "time until the last response"),
    Metric("avg_read_latency_ns", "ns", True, "mean read latency, arrival to last data (all requests if no reads)"),
    Metric("p99_read_latency_ns", "ns", True, "99th-percentile read latency"),
    Metric("max_read_latency_ns", "ns", True, "worst read latency"),
    Metric("bandwidth_gbps", "GB/s", False, "data-bus bytes / simulated time"),
    Metric("bandwidth_pct_peak", "%", False, "bandwidth as a share of the device's peak"),
    Metric("row_hit_rate", "", False, "share of bursts that found their row open"),
    Metric("energy_nj", "nJ", True, "DRAMPower-style energy of the rank (commands + background)"),
    Metric("power_mw", "mW", True, "average power"),
    Metric("energy_per_request_nj", "nJ", True, "energy / number of requests"),
)

#: Default objective: read latency, average power and energy per request, equally weighted (log rewards, so the
#: targets only shift the reward; DDR4-2400 scale values near good designs of the default trace). The three trade:
#: deeper buffers and first-ready scheduling cut latency and energy but raise power (more bandwidth), power-down
#: cuts power and energy but adds exit latency, closed pages save row-buffer standby power but re-activate.
DEFAULT_OBJECTIVE = {"targets": {"avg_read_latency_ns": {"target": 100.0, "weight": 1.0},
                                 "power_mw": {"target": 800.0, "weight": 1.0},
                                 "energy_per_request_nj": {"target": 10.0, "weight": 1.0}}}
#: Latency and power only (DRAM-v0's objective before v2).
LATENCY_POWER_OBJECTIVE = {"targets": {"avg_read_latency_ns": {"target": 100.0, "weight": 1.0},
                                       "power_mw": {"target": 800.0, "weight": 1.0}}}
#: Energy variant: energy per request first, latency as a tie-breaker.
ENERGY_OBJECTIVE = {"targets": {"energy_per_request_nj": {"target": 10.0, "weight": 1.0},
                                "avg_read_latency_ns": {"target": 100.0, "weight": 0.25}}}
#: Low-power target (the multi-agent paper's power study): power first, latency at a quarter weight.
LOW_POWER_OBJECTIVE = {"targets": {"power_mw": {"target": 600.0, "weight": 1.0},
                                   "avg_read_latency_ns": {"target": 100.0, "weight": 0.25}}}
#: Low-latency target: read latency first, power at a quarter weight.
LOW_LATENCY_OBJECTIVE = {"targets": {"avg_read_latency_ns": {"target": 60.0, "weight": 1.0},
                                     "power_mw": {"target": 800.0, "weight": 0.25}}}
OBJECTIVES = {"latency_power_energy": DEFAULT_OBJECTIVE, "latency_power": LATENCY_POWER_OBJECTIVE,
              "energy": ENERGY_OBJECTIVE, "low_power": LOW_POWER_OBJECTIVE, "low_latency": LOW_LATENCY_OBJECTIVE}
#: DRAM-v0's trace: the ``cloud`` generator's bursty default (bandwidth-bound bursts, idle gaps), 2,000 requests.
DEFAULT_TRACE = "cloud"
DEFAULT_N_REQUESTS = 2000


@dataclass(frozen=True)
class PreparedTrace:
    """A trace decoded once into requests and their burst-sized transactions (shared by every evaluation)."""

    req_arr: np.ndarray      # request arrival at the controller clock (ceil)
    req_first: np.ndarray    # index of each request's first transaction
    req_n: np.ndarray        # transactions per request
    req_arrival_ns: np.ndarray
    req_is_read: np.ndarray
    bank: np.ndarray         # per transaction
    row: np.ndarray
    col: np.ndarray
    wr: np.ndarray           # int64 0/1
    parent: np.ndarray       # request index
    read_index: np.ndarray   # the read requests (all requests if none reads: read latency falls back to all)
    p99_plan: tuple[int, float]  # how the 99th percentile of their latencies interpolates (controller.percentile)

    @property
    def n_transactions(self) -> int:
        return int(self.bank.shape[0])


def prepare(trace: Trace, dev: DeviceSpec, mapping: AddressMapping) -> PreparedTrace:
    """Split requests into aligned bursts (a request touching k bursts becomes k transactions) and decode them."""
    bb = dev.bytes_per_burst
    addr = trace.addr.astype(np.uint64)
    first = addr // np.uint64(bb)
    last = (addr + trace.size.astype(np.uint64) - np.uint64(1)) // np.uint64(bb)
    nburst = (last - first + np.uint64(1)).astype(np.int64)
    start = np.concatenate(([0], np.cumsum(nburst)[:-1])).astype(np.int64)
    rep = np.repeat(np.arange(len(trace)), nburst)
    offs = (np.arange(rep.size) - np.repeat(start, nburst)).astype(np.uint64)
    baddr = (first[rep] + offs) * np.uint64(bb)
    bank, row, col = mapping.decode(baddr, dev)
    period = dev.tck_ns if trace.clock_mhz is None else 1e3 / trace.clock_mhz
    arrival_ns = trace.cycle.astype(np.float64) * period
    arr = np.ceil(arrival_ns / dev.tck_ns - 1e-9).astype(np.int64)
    is_read = ~trace.is_write
    read_index = np.flatnonzero(is_read) if is_read.any() else np.arange(len(trace))
    return PreparedTrace(arr, start, nburst, arrival_ns, is_read, bank, row, col,
                         trace.is_write[rep].astype(np.int64), rep.astype(np.int64), read_index,
                         K.percentile_plan(read_index.size, 99))


@dataclass(frozen=True)
class RunResult:
    """Raw output of one simulation (cycles are controller clocks)."""

    metrics: dict[str, float]
    counts: dict[str, int]
    state_cycles: dict[str, int]
    latency_ns: np.ndarray
    log: np.ndarray
    data_end: np.ndarray
    window: int
    ctrl_latency_ns: np.ndarray  # arrival to the controller's response (DRAMSys's RESP phase), per request


class DRAMSimulator(Simulator):
    """Trace-driven DDR4/LPDDR4 memory controller over the DRAMSys knob space.

    Args:
        trace: A generator name (see :data:`simulators.dram.traces.GENERATORS`), a ``.stl`` / DRAMsim3 trace
            path, or a :class:`~simulators.dram.traces.Trace`.
        device: ``"DDR4-2400"``, ``"LPDDR4-3200"``, a DRAMSys memspec JSON path, or a ``DeviceSpec``.
        mapping: ``"default"``, ``"bank_interleaved"``, a DRAMSys addressmapping dict / JSON path, or ``None``.
        n_requests: Requests to generate (generator traces only).
        trace_seed: Generator seed.
        max_workers: Designs of a batch are simulated concurrently in this many threads (the kernel releases
            the GIL); results are identical to one at a time. Default 1, as sweeps already run one process
            per core.
        allow_no_refresh: Keep RefreshPolicy NoRefresh in the space (see :func:`~.config.knob_space`).
        trace_kwargs: Extra generator arguments (``gap``, ``write_frac``, ...).
    """

    def __init__(self, trace: str | Path | Trace = "cloud", device: str | Path | DeviceSpec = "DDR4-2400", *,
                 mapping: Any = None, n_requests: int = 1000, trace_seed: int = 0, max_workers: int = 1,
                 allow_no_refresh: bool = True, **trace_kwargs: Any) -> None:
        if not isinstance(max_workers, int) or max_workers < 1:
            raise SpecError(f"must be an integer >= 1, got {max_workers!r}", "max_workers")
        self.max_workers = max_workers
        self.device = get_device(device)
        self.mapping = get_mapping(mapping, self.device)
        if isinstance(trace, Trace):
            self.trace = trace
        elif str(trace) in GENERATORS:
            kw = {"capacity": self.device.capacity_bytes, **trace_kwargs}
            self.trace = generate(str(trace), n_requests, trace_seed, **kw)
        elif Path(str(trace)).suffix or Path(str(trace)).exists():
            self.trace = load_trace(trace)
        else:
            generate(str(trace), n_requests)  # raises SpecError listing the generators
        self.prepared = prepare(self.trace, self.device, self.mapping)
        self._timing = L.timing_vector(self.device)
        self._rules = dense_tables(self.device)
        self._cmd_len = command_lengths(self.device)
        self._cmd_nj = command_energies_nj(self.device)
        self._bg_mw = background_power_mw(self.device)
        self.space = knob_space(self.device, allow_no_refresh)
        self.metrics = METRICS
        self._local = threading.local()  # per thread: the kernel's workspaces, with and without the command log

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        del state["_local"]
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._local = threading.local()

    # --- simulation -----------------------------------------------------------------------------
    def kernel_args(self, design: Design, log: bool = False, inputs_only: bool = False) -> tuple:
        """Arguments of :func:`simulators.dram.controller.simulate` for a validated design (``inputs_only``: all but
        the design, as :class:`~.controller.Workspace` takes them)."""
        p = self.prepared
        args = (p.req_arr, p.req_first, p.req_n, p.bank, p.row, p.col, p.wr, p.parent, self._timing, self._rules,
                self._cmd_len)
        return args if inputs_only else (*args, encode(design, log))

    def _simulate(self, C: np.ndarray) -> tuple:
        """:func:`~.controller.simulate` on this thread's cached workspace (views valid until its next run)."""
        p = self.prepared
        cache = self._local.__dict__
        ws = cache.get(bool(C[C_LOG]))
        if ws is None:  # output buffers sized for per-bank refresh (the most refresh intervals)
            sizing = C.copy()
            sizing[C_REF] = 2 if self._timing[L.T_REFIPB] > 0 else 1
            ws = K.Workspace(*self.kernel_args({}, inputs_only=True),
                             *K.capacities(p.req_arr, p.n_transactions, self._timing, sizing))
        while not ws.run(C):
            S = ws.M[: L.S_LEN]
            ws = K.Workspace(*self.kernel_args({}, inputs_only=True), max(ws.cap_log, int(S[L.S_NLOG])),
                             max(ws.cap_iv, int(S[L.S_NIV])))
        cache[bool(C[C_LOG])] = ws
        return ws.outputs()

    def run(self, design: Design, log: bool = False) -> RunResult:
        """Simulate one (validated) design; ``log=True`` also returns the command log ``(cycle, code, bank, row)``."""
        data_end, ctrl_resp, resp, S, lg, iv = self._simulate(encode(design, log))
        metrics, counts, states, window = self._summarize(design, resp, S, iv)
        lat = resp * self.device.tck_ns - self.prepared.req_arrival_ns
        return RunResult(metrics, counts, states, lat, lg.copy(), data_end.copy(), window,
                         ctrl_resp * self.device.tck_ns - self.prepared.req_arrival_ns)

    def _summarize(self, design: Design, resp: np.ndarray, S: np.ndarray, iv: np.ndarray) -> tuple:
        """Metrics, command counts, background-state clocks and power window of a run."""
        p, dev = self.prepared, self.device
        tck = dev.tck_ns
        reads = np.empty(p.read_index.size)
        sim_end, window, busy, n_open, unanswered, max_read = K.time_summary(resp, iv, p.req_arrival_ns,
                                                                             p.read_index, tck, reads)
        limit = L.key_time_limit(len(resp))
        if sim_end >= limit:  # (first: keys past their range can also leave requests unanswered)
            raise TraceError(f"{len(resp)} requests spanning more than {limit} controller clocks are more than one run "
                             "can time; split the trace", "trace")
        if S[L.S_STUCK] or unanswered:  # defensive: the kernel always completes every request
            raise RuntimeError(f"DRAM kernel left requests unanswered for design {design}")
        pd_act, pd_pre, sref = int(S[L.S_TPD_ACT]), int(S[L.S_TPD_PRE]), int(S[L.S_TSREF])
        states = {"act_standby": busy - pd_act, "pre_standby": window - busy - pd_pre - sref,
                  "act_powerdown": pd_act, "pre_powerdown": pd_pre, "self_refresh": sref}
        counts = {name: int(S[L.S_CNT + c]) for c, name in enumerate(K.CMD_NAMES)}
        counts["precharges"] = counts["ACT"] - n_open
        energy = self._energy_parts(counts, states)
        e_total = sum(energy.values())
        n_t = p.n_transactions
        sim_ns = sim_end * tck
        bw = n_t * dev.bytes_per_burst / sim_ns if sim_ns > 0 else 0.0
        metrics = {
            "sim_time_ns": sim_ns,
            "avg_read_latency_ns": float(reads.mean()),
            "p99_read_latency_ns": K.percentile(reads, p.p99_plan),
            "max_read_latency_ns": max_read,
            "bandwidth_gbps": bw,
            "bandwidth_pct_peak": 100.0 * bw / dev.peak_gbps,
            "row_hit_rate": S[L.S_HITS] / n_t,
            "energy_nj": e_total,
            "power_mw": 1e3 * e_total / (window * tck) if window else 0.0,
            "energy_per_request_nj": e_total / len(p.req_first),
        }
        counts.update(hits=int(S[L.S_HITS]), misses=int(S[L.S_MISSES]), conflicts=int(S[L.S_CONFL]),
                      self_refreshes=int(S[L.S_NSREF]))
        return metrics, counts, states, window

    def _energy_parts(self, counts: dict[str, int], states: dict[str, int]) -> dict[str, float]:
        nd, e, tck, dev = self.device.n_devices, self._cmd_nj, self.device.tck_ns, self.device
        parts = {
            "ACT": counts["ACT"] * e["ACT"], "PRE": counts["precharges"] * e["PRE"],
            "RD": (counts["RD"] + counts["RDA"]) * e["RD"], "WR": (counts["WR"] + counts["WRA"]) * e["WR"],
            "REF": counts["REF"] * e["REF"], "REFPB": counts["REFPB"] * e["REFPB"],
        }
        bg = self._bg_mw
        # DRAMPower: the first tRFC of a self-refresh is an internal refresh (IDD5 over IDD3N, with power-down
        # background), the rest draws IDD6.
        n_sr = counts["SREFEN"]
        sr_ref = min(states["self_refresh"], n_sr * dev.RFC)
        parts["self_refresh"] = (n_sr * e["REF"] + bg["self_refresh"] * 1e-3 * (states["self_refresh"] - sr_ref) * tck
                                 + bg["pre_powerdown"] * 1e-3 * sr_ref * tck)
        for s_ in STATES:
            if s_ != "self_refresh":
                parts[s_] = bg[s_] * 1e-3 * states[s_] * tck
        return {k: v * nd for k, v in parts.items()}

    def _evaluate(self, design: Design) -> dict[str, float]:
        _, _, resp, S, _, iv = self._simulate(encode(design))
        return {k: float(v) for k, v in self._summarize(design, resp, S, iv)[0].items()}

    def _evaluate_batch(self, columns: Columns) -> dict[str, np.ndarray]:
        rows = DesignSpace.rows(columns)
        if self.max_workers > 1 and len(rows) > 1:
            with ThreadPoolExecutor(min(self.max_workers, len(rows)), thread_name_prefix="archgym-dram") as pool:
                results = list(pool.map(self._evaluate, rows))
        else:
            results = [self._evaluate(d) for d in rows]
        return {m.name: np.array([r[m.name] for r in results], dtype=np.float64) for m in self.metrics}

    def command_log(self, design: dict[str, Any]) -> np.ndarray:
        """The command log of one design: int64 rows ``(cycle, code, bank, row)``; codes in ``CMD_NAMES``."""
        return self.run(self.space.validate(design), log=True).log

    def proxy_features(self, columns: Columns) -> dict[str, np.ndarray]:
        """Buffer slots, in-flight limit (log2) and the knobs as they act, for proxy models; see :mod:`.features`."""
        return F.proxy_features(columns, self.device.n_banks)

    def detail_report(self, design: dict[str, Any]) -> Any:
        """Command counts and energy by command and by background state (one row each)."""
        import pandas as pd

        res = self.run(self.space.validate(design))
        parts = self._energy_parts(res.counts, res.state_cycles)
        total = sum(parts.values()) or 1.0
        rows = []
        for name in COMMAND_ENERGY_KEYS:
            cnt = res.counts["precharges"] if name == "PRE" else res.counts[name] + res.counts.get(name + "A", 0)
            rows.append({"component": name, "kind": "command", "count": cnt, "time_ns": np.nan,
                         "energy_nj": parts[name], "share_pct": 100 * parts[name] / total})
        for s in STATES:
            rows.append({"component": s, "kind": "state", "count": np.nan,
                         "time_ns": res.state_cycles[s] * self.device.tck_ns,
                         "energy_nj": parts[s], "share_pct": 100 * parts[s] / total})
        for name in ("PREA", "RDA", "WRA", "PDEA", "PDEP", "PDXA", "PDXP", "SREFEN", "SREFEX", "hits", "misses",
                     "conflicts"):
            rows.append({"component": name, "kind": "count", "count": res.counts[name], "time_ns": np.nan,
                         "energy_nj": np.nan, "share_pct": np.nan})
        return pd.DataFrame(rows)


def make_env(trace: str | Path | Trace = DEFAULT_TRACE, device: str | Path | DeviceSpec = "DDR4-2400",
             n_requests: int = DEFAULT_N_REQUESTS, trace_seed: int = 0, objective: Any = None,
             env_id: str = "archgym/DRAM-v0", mapping: Any = None, allow_no_refresh: bool = False,
             **env_kwargs: Any) -> DesignEnv:
    """Entry point of ``archgym/DRAM-v0``.

    ``objective`` is ``None`` (latency + power + energy, :data:`DEFAULT_OBJECTIVE`), a preset name (see
    :data:`OBJECTIVES`), an objective spec dict, or an ``Objective``. RefreshPolicy NoRefresh is left out of the
    space unless ``allow_no_refresh`` (a DRAM without refresh loses its data; see :func:`~.config.knob_space`).
    """
    if isinstance(objective, str):
        if objective not in OBJECTIVES:
            raise SpecError(f"unknown preset {objective!r}; allowed: {list(OBJECTIVES)}", "objective")
        objective = OBJECTIVES[objective]
    sim = DRAMSimulator(trace, device, mapping=mapping, n_requests=n_requests, trace_seed=trace_seed,
                        allow_no_refresh=allow_no_refresh)
    return DesignEnv.build(sim, objective, DEFAULT_OBJECTIVE, env_id=env_id, **env_kwargs)
