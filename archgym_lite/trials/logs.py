"""Per-evaluation logs: one typed Parquet file per trial, written atomically, plus a JSON manifest.

Row schema (one row per evaluation)::

    run_id, trial_id, env_id, agent, agent_params (JSON), seed, step, p_<param>..., m_<metric>...,
    reward, feasible, cached, sim_time_s, wall_time_s, archgym_version

``cached`` is true when the row repeats a design evaluated earlier in the trial and its metrics were looked up
instead of simulated (the run loop's evaluation cache for deterministic simulators); such a row still counts
as one evaluation of the budget, and its ``sim_time_s`` is 0. Logs written before the column existed lack it
(read it as false).

Rows are buffered in per-column lists and written once, when the trial closes, to a temporary file that is
then renamed over the final name: a crash at any moment leaves either no file or a complete one. The
manifest (``<trial_id>.json``) is written last; ``status == "completed"`` marks a finished trial.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from archgym_lite._version import __version__ as VERSION
from archgym_lite.core.errors import SpecError
from archgym_lite.core.space import DesignSpace
from archgym_lite.utils.files import atomic_write_bytes, atomic_write_json, json_default

MANIFEST_SUFFIX = ".json"
LOG_SUFFIX = ".parquet"
_PA_TYPES = {"int64": pa.int64(), "float64": pa.float64(), "string": pa.string()}


class TrialLogger:
    """Buffers evaluation rows for one trial and writes them atomically on :meth:`close`.

    Args:
        directory: Where ``<trial_id>.parquet`` and ``<trial_id>.json`` go.
        trial_id: Stable id of the trial.
        space: The design space (gives the typed ``p_`` columns).
        metric_names: Metric names (the ``m_`` columns).
        run_id: Id of the run (sweep) the trial belongs to.
        env_id, agent, agent_params, seed: Constant columns.
        manifest: Extra JSON-able facts stored in the manifest (env kwargs, objective, budget...).
    """

    def __init__(self, directory: str | Path, trial_id: str, space: DesignSpace, metric_names: Sequence[str], *,
                 run_id: str = "", env_id: str = "", agent: str = "", agent_params: Mapping[str, Any] | None = None,
                 seed: int | None = None, manifest: Mapping[str, Any] | None = None) -> None:
        self.directory = Path(directory)
        self.trial_id = trial_id
        self.space = space
        self.metric_names = tuple(metric_names)
        self.constants = {"run_id": run_id, "trial_id": trial_id, "env_id": env_id, "agent": agent,
                          "agent_params": json.dumps(dict(agent_params or {}), sort_keys=True, default=json_default),
                          "seed": -1 if seed is None else int(seed)}
        self.manifest = {"trial_id": trial_id, "run_id": run_id, "env_id": env_id, "agent": agent,
                         "agent_params": dict(agent_params or {}), "seed": seed, "archgym_version": VERSION,
                         "space_signature": space.signature(), **dict(manifest or {})}
        self._params = {n: [] for n in space.names}
        self._metrics = {m: [] for m in self.metric_names}
        self._reward: list[float] = []
        self._feasible: list[bool] = []
        self._cached: list[bool] = []
        self._sim: list[float] = []
        self._wall: list[float] = []
        self._started = time.time()
        self.closed = False

    @property
    def parquet_path(self) -> Path:
        return self.directory / f"{self.trial_id}{LOG_SUFFIX}"

    @property
    def manifest_path(self) -> Path:
        return self.directory / f"{self.trial_id}{MANIFEST_SUFFIX}"

    def __len__(self) -> int:
        return len(self._reward)

    @property
    def rewards(self) -> np.ndarray:
        """Rewards logged so far, in order."""
        return np.asarray(self._reward, dtype=float)

    def design_at(self, i: int) -> dict[str, Any]:
        """The ``i``-th logged design."""
        return {n: col[i] for n, col in self._params.items()}

    def log(self, design: Mapping[str, Any], metrics: Mapping[str, float], reward: float, feasible: bool,
            sim_time_s: float, wall_time_s: float, cached: bool = False) -> None:
        """Append one evaluation (``cached``: its metrics were looked up, not simulated)."""
        for n, col in self._params.items():
            col.append(design[n])
        for m, col in self._metrics.items():
            col.append(metrics[m])
        self._reward.append(reward)
        self._feasible.append(feasible)
        self._cached.append(bool(cached))
        self._sim.append(sim_time_s)
        self._wall.append(wall_time_s)

    def log_batch(self, columns: Mapping[str, np.ndarray], table: Mapping[str, np.ndarray], rewards: np.ndarray,
                  feasible: np.ndarray, sim_time_s: float, wall_time_s: float,
                  cached: np.ndarray | None = None) -> None:
        """Append a batch; the batch's simulator time is split evenly over its simulated (not ``cached``) rows and
        its wall time over all rows."""
        n = len(rewards)
        hit = np.zeros(n, dtype=bool) if cached is None else np.asarray(cached, dtype=bool)
        n_sim = int(n - hit.sum())
        for name, col in self._params.items():
            col.extend(np.asarray(columns[name]).tolist())
        for m, col in self._metrics.items():
            col.extend(np.asarray(table[m], dtype=float).tolist())
        self._reward.extend(np.asarray(rewards, dtype=float).tolist())
        self._feasible.extend(np.asarray(feasible, dtype=bool).tolist())
        self._cached.extend(hit.tolist())
        self._sim.extend(np.where(hit, 0.0, sim_time_s / max(n_sim, 1)).tolist())
        self._wall.extend([wall_time_s / max(n, 1)] * n)

    def table(self) -> pa.Table:
        """The buffered rows as a typed Arrow table."""
        n = len(self._reward)
        c = self.constants
        arrays: dict[str, pa.Array] = {
            "run_id": pa.array([c["run_id"]] * n, pa.string()),
            "trial_id": pa.array([c["trial_id"]] * n, pa.string()),
            "env_id": pa.array([c["env_id"]] * n, pa.string()),
            "agent": pa.array([c["agent"]] * n, pa.string()),
            "agent_params": pa.array([c["agent_params"]] * n, pa.string()),
            "seed": pa.array([c["seed"]] * n, pa.int64()),
            "step": pa.array(np.arange(n, dtype=np.int64)),
        }
        for p in self.space.params:
            arrays[f"p_{p.name}"] = pa.array(self._params[p.name], _PA_TYPES[p.dtype])
        for m in self.metric_names:
            arrays[f"m_{m}"] = pa.array(self._metrics[m], pa.float64())
        arrays["reward"] = pa.array(self._reward, pa.float64())
        arrays["feasible"] = pa.array(self._feasible, pa.bool_())
        arrays["cached"] = pa.array(self._cached, pa.bool_())
        arrays["sim_time_s"] = pa.array(self._sim, pa.float64())
        arrays["wall_time_s"] = pa.array(self._wall, pa.float64())
        arrays["archgym_version"] = pa.array([VERSION] * n, pa.string())
        return pa.table(arrays)

    def close(self, status: str = "completed", error: str | None = None, **extra: Any) -> Path:
        """Write the Parquet file, then the manifest (both atomically). Returns the Parquet path."""
        if self.closed:
            return self.parquet_path
        sink = pa.BufferOutputStream()
        pq.write_table(self.table(), sink, compression="zstd")
        atomic_write_bytes(self.parquet_path, sink.getvalue().to_pybytes())
        self.manifest.update(status=status, error=error, n_rows=len(self), started=self._started,
                             finished=time.time(), **extra)
        atomic_write_json(self.manifest_path, self.manifest)
        self.closed = True
        return self.parquet_path


def read_manifest(path: str | Path) -> dict[str, Any]:
    """Read a trial manifest (``<trial_id>.json``)."""
    p = Path(path)
    try:
        return json.loads(p.read_text())
    except (OSError, json.JSONDecodeError) as exc:
        raise SpecError(f"cannot read trial manifest: {exc}", str(p)) from None


def load(path: str | Path) -> pd.DataFrame:
    """Read one trial's Parquet file, or every trial under a run directory, into one DataFrame."""
    p = Path(path)
    if p.is_file():
        files = [p]
    elif p.is_dir():
        files = sorted(f for f in p.rglob(f"*{LOG_SUFFIX}") if not f.name.startswith("."))
    else:
        raise SpecError("no such file or directory", str(p))
    if not files:
        raise SpecError(f"no {LOG_SUFFIX} trial logs found", str(p))
    frames = []
    for f in files:
        try:
            frames.append(pq.read_table(f).to_pandas())
        except (pa.ArrowInvalid, OSError) as exc:
            raise SpecError(f"corrupt trial log: {exc}", str(f)) from None
    return pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
