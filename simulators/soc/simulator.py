"""`SoCSimulator` and the entry point of ``archgym/SoC-v0`` (FARSI's AR/VR SoC model, ArchGym's third domain)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from archgym_lite import Metric, Simulator, SpecError
from simulators.soc import layout as L
from simulators.soc.database import Workload, load_workload
from simulators.soc.model import SoCModel
from simulators.soc.space import agent_groups

METRICS = (
    Metric("latency_s", "s", True, "completion of the workload's last task (FARSI DPStats.calc_SOC_latency)"),
    Metric("power_w", "W", True, "FARSI's power: max over its 10 ms phase windows of energy/time (not an average)"),
    Metric("energy_j", "J", True, "dynamic energy: PE instructions + memory bytes at CACTI J/B (buses 0)"),
    Metric("area_mm2", "mm^2", True, "A53 cores + IPs + memories (CACTI area); buses 0"),
    Metric("avg_power_w", "W", True, "energy_j / latency_s"),
    Metric("pe_area_mm2", "mm^2", True, "A53 cores and IPs"),
    Metric("mem_area_mm2", "mm^2", True, "memories (CACTI area at the rounded size)"),
    Metric("mem_bytes", "B", True, "sum of the memories' CACTI sizes (peak live bytes rounded up to 256 000 B)"),
    Metric("n_cores", "", True, "A53 cores (core0 always exists: it runs the dummy source and sink tasks)"),
    Metric("n_ips", "", True, "task accelerators (IPs)"),
)
assert tuple(m.name for m in METRICS) == L.METRIC_NAMES


class SoCSimulator(Simulator):
    """An SoC for one AR/VR workload, simulated with FARSI's semantics (see :mod:`simulators.soc.kernel`).

    The design space (:mod:`simulators.soc.space`) maps each task to an A53 core or its own IP (unroll, clock),
    each task's output to one of two memories (DRAM/SRAM, width, clock) and each block to one of two bridged
    buses. ``agent_groups`` offers two multi-agent splits: ``per_task`` (one agent per task, plus ``memory`` and
    ``interconnect``) and ``per_block_kind`` (``pe``, ``memory``, ``interconnect``).

    Args:
        workload: ``audio_decoder``, ``edge_detection`` or ``hpvm_cava`` (or any workload of ``database``), or a
            loaded :class:`~simulators.soc.database.Workload`.
        database: A FARSI-format database folder (default: the shipped FARSI database).
        cacti_table: An alternative CACTI table CSV (default: the shipped one, see :mod:`simulators.soc.cacti`).
    """

    def __init__(self, workload: str | Workload = "audio_decoder", *, database: str | Path | None = None,
                 cacti_table: str | Path | None = None) -> None:
        if isinstance(workload, Workload):
            self.workload = workload
        elif isinstance(workload, str):
            self.workload = load_workload(workload, database)
        else:
            raise SpecError(f"must be a workload name or a Workload, got {type(workload).__name__}", "workload")
        self.model = SoCModel(self.workload, cacti_table)
        self.space = self.model.space
        self.metrics = METRICS
        self.agent_groups = agent_groups(self.workload, self.space)
        self._names = L.METRIC_NAMES

    def _evaluate(self, design: Mapping[str, Any]) -> dict[str, float]:
        out = self.model.evaluate_row(self.model.encoder.row(design))
        return dict(zip(self._names, out.tolist(), strict=True))

    def _evaluate_batch(self, columns: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
        out = self.model.evaluate_rows(self.model.encoder.rows(columns))
        return {name: out[:, i].copy() for i, name in enumerate(self._names)}

    def default_objective(self) -> dict[str, Any]:
        """ArchGym's FARSI budgets (``Budget.csv``) as targets and as hard constraints.

        audio_decoder: 21 ms, the others 34 ms; power 8.737 mW (FARSI's windowed power); area 17.475 mm^2.
        """
        b = self.workload.budget
        keys = (("latency_s", b["latency_s"]), ("power_w", b["power_w"]), ("area_mm2", b["area_mm2"]))
        return {"targets": {k: {"target": v, "weight": 1.0} for k, v in keys},
                "constraints": {k: {"max": v} for k, v in keys}}

    def detail_report(self, design: Mapping[str, Any]) -> Any:
        """Per-task timeline and per-block utilisation of one design (a pandas DataFrame).

        ``section == "task"`` rows (task-list order): the PE and memory, ``launch_s`` (all parents done),
        ``start_s`` (got its PE), ``end_s``, ``wait_s``, ``busy_s``, bytes read and written and the PE energy.
        ``section == "block"`` rows (canonical blocks of :meth:`to_neutral`): area, energy, bytes, busy time and
        ``utilisation`` (PE: busy time / latency; memory and bus: the busier direction's bytes / (peak B/s x
        latency)), memories with their peak live bytes and CACTI size.
        """
        from simulators.soc.report import detail_frame

        return detail_frame(self, self.space.validate(design))

    def from_neutral(self, neutral: Mapping[str, Any]) -> dict[str, Any]:
        """A design of this space from the neutral encoding of ``reference_calibration.json``."""
        from simulators.soc.neutral import from_neutral

        return from_neutral(self, neutral)

    def to_neutral(self, design: Mapping[str, Any]) -> dict[str, Any]:
        """The canonical neutral encoding of ``design`` (inverse of :meth:`from_neutral`)."""
        from simulators.soc.neutral import to_neutral

        return to_neutral(self, design)


def make_env(workload: str | Workload = "audio_decoder", objective: Any = None, env_id: str = "archgym/SoC-v0", *,
             database: str | Path | None = None, cacti_table: str | Path | None = None, **env_kwargs: Any) -> Any:
    """Entry point of ``archgym/SoC-v0``: an SoC for ``workload`` under ArchGym's FARSI budgets by default."""
    from archgym_lite import DesignEnv

    sim = SoCSimulator(workload, database=database, cacti_table=cacti_table)
    return DesignEnv.build(sim, objective, sim.default_objective(), env_id=env_id, **env_kwargs)
