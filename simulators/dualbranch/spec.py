"""User-defined dual-branch networks in YAML (branches may also point at SCALE-Sim topology / GEMM CSV files).

Format (a single stage may be written at the top level instead of under ``stages``)::

    name: my_net
    stages:
      - branch_a:                       # a list of layers, or a CSV path relative to this file
          - {name: conv1, ifmap_h: 32, ifmap_w: 32, filter_h: 3, filter_w: 3, channels: 3, num_filters: 16,
             stride: 1}
          - {name: fc, gemm: [1, 10, 256]}          # GEMM [M, N, K], optional repeats: 4
        branch_b: branch_b.csv
        fusion:
          - {name: mix, gemm: [1, 10, 20]}
        cross:
          - {name: a_out, words: 256, src: a, dst: fusion}

Conv layer keys: ``name, ifmap_h, ifmap_w, filter_h, filter_w, channels, num_filters`` (required), ``stride``
(both directions, default 1), ``groups`` (default 1), ``kind`` (``conv`` or ``depthwise``). Errors are
:class:`~archgym_lite.core.errors.TraceError` naming the file and the field path (``stages[0].branch_a[1].channels``).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from archgym_lite.core.errors import ArchGymError, SpecError, TraceError, format_allowed
from simulators.accelerator.topology_csv import load_workload_csv
from simulators.accelerator.workloads import Layer
from simulators.dualbranch.networks import NETWORKS, CrossTensor, DualBranchNet, Stage

_CONV_REQUIRED = ("name", "ifmap_h", "ifmap_w", "filter_h", "filter_w", "channels", "num_filters")
_CONV_KEYS = (*_CONV_REQUIRED, "stride", "groups", "kind")
_GEMM_KEYS = ("name", "gemm", "repeats")
_STAGE_KEYS = ("branch_a", "branch_b", "fusion", "cross")
_CROSS_KEYS = ("name", "words", "src", "dst")


def load_network_yaml(path: str | Path) -> DualBranchNet:
    """Read a dual-branch network from a YAML file (format in the module docstring).

    Raises:
        TraceError: The file cannot be read or parsed, or a field is missing or invalid (file and field named).
    """
    import yaml

    p = Path(path)
    try:
        doc = yaml.safe_load(p.read_text())
    except OSError as exc:
        raise TraceError(f"{p}: cannot read network file ({exc.strerror})") from None
    except yaml.YAMLError as exc:
        raise TraceError(f"{p}: not valid YAML ({str(exc).splitlines()[0]})") from None
    if not isinstance(doc, Mapping):
        raise TraceError(f"{p}: top level must be a mapping with 'stages' (or branch_a/branch_b/...)")
    unknown = sorted(set(doc) - {"name", "stages", *_STAGE_KEYS})
    if unknown:
        raise TraceError(f"{p}: {unknown[0]}: unknown key; allowed: ['name', 'stages', {', '.join(map(repr, _STAGE_KEYS))}]")
    if "stages" in doc:
        if any(k in doc for k in _STAGE_KEYS):
            raise TraceError(f"{p}: stages: give either 'stages' or a single top-level stage, not both")
        raw_stages = doc["stages"]
        if not isinstance(raw_stages, list) or not raw_stages:
            raise TraceError(f"{p}: stages: must be a non-empty list of stages")
        prefixes = [f"stages[{i}]" for i in range(len(raw_stages))]
    else:
        raw_stages, prefixes = [{k: doc[k] for k in _STAGE_KEYS if k in doc}], [""]
    stages = tuple(_stage(p, s, pre) for s, pre in zip(raw_stages, prefixes, strict=True))
    try:
        return DualBranchNet(str(doc.get("name", p.stem)), stages, str(p))
    except ArchGymError as exc:
        raise TraceError(f"{p}: {exc}") from None


def _join(prefix: str, key: str) -> str:
    return f"{prefix}.{key}" if prefix else key


def _stage(p: Path, raw: Any, prefix: str) -> Stage:
    if not isinstance(raw, Mapping):
        raise TraceError(f"{p}: {prefix or 'stage'}: must be a mapping with keys {list(_STAGE_KEYS)}")
    unknown = sorted(set(raw) - set(_STAGE_KEYS))
    if unknown:
        raise TraceError(f"{p}: {_join(prefix, str(unknown[0]))}: unknown key; allowed: {list(_STAGE_KEYS)}")
    sections = {k: _layers(p, raw.get(k), _join(prefix, k)) for k in ("branch_a", "branch_b", "fusion")}
    cross_raw = raw.get("cross") or []
    if not isinstance(cross_raw, list):
        raise TraceError(f"{p}: {_join(prefix, 'cross')}: must be a list of tensors")
    cross = tuple(_cross(p, c, f"{_join(prefix, 'cross')}[{i}]") for i, c in enumerate(cross_raw))
    return Stage(sections["branch_a"], sections["branch_b"], sections["fusion"], cross)


def _layers(p: Path, raw: Any, where: str) -> tuple[Layer, ...]:
    if raw is None:
        return ()
    if isinstance(raw, str):
        csv_path = Path(raw) if Path(raw).is_absolute() else p.parent / raw
        if not csv_path.is_file():
            raise TraceError(f"{p}: {where}: CSV file {str(csv_path)!r} does not exist")
        return load_workload_csv(csv_path).layers
    if not isinstance(raw, list):
        raise TraceError(f"{p}: {where}: must be a list of layers or a CSV path")
    return tuple(_layer(p, item, f"{where}[{i}]") for i, item in enumerate(raw))


def _int(p: Path, value: Any, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise TraceError(f"{p}: {where}: must be a positive integer, got {value!r}")
    return value


def _layer(p: Path, raw: Any, where: str) -> Layer:
    if not isinstance(raw, Mapping):
        raise TraceError(f"{p}: {where}: a layer must be a mapping")
    name = str(raw.get("name", where))
    try:
        if "gemm" in raw:
            unknown = sorted(set(raw) - set(_GEMM_KEYS))
            if unknown:
                raise TraceError(f"{p}: {where}.{unknown[0]}: unknown key; allowed: {list(_GEMM_KEYS)}")
            g = raw["gemm"]
            if not isinstance(g, list) or len(g) != 3:
                raise TraceError(f"{p}: {where}.gemm: must be [M, N, K], got {g!r}")
            m, n, k = (_int(p, v, f"{where}.gemm[{i}]") for i, v in enumerate(g))
            return Layer.gemm(name, m, n, k, _int(p, raw.get("repeats", 1), f"{where}.repeats"))
        unknown = sorted(set(raw) - set(_CONV_KEYS))
        if unknown:
            raise TraceError(f"{p}: {where}.{unknown[0]}: unknown key; allowed: {list(_CONV_KEYS)} "
                             "(or name, gemm: [M, N, K], repeats)")
        missing = [k for k in _CONV_REQUIRED if k not in raw]
        if missing:
            raise TraceError(f"{p}: {where}.{missing[0]}: missing")
        v = {k: _int(p, raw[k], f"{where}.{k}") for k in _CONV_REQUIRED[1:]}
        s = _int(p, raw.get("stride", 1), f"{where}.stride")
        return Layer(name, v["ifmap_h"], v["ifmap_w"], v["filter_h"], v["filter_w"], v["channels"],
                     v["num_filters"], s, s, _int(p, raw.get("groups", 1), f"{where}.groups"),
                     str(raw.get("kind", "conv")))
    except TraceError:
        raise
    except ArchGymError as exc:
        raise TraceError(f"{p}: {where}: {exc}") from None


def _cross(p: Path, raw: Any, where: str) -> CrossTensor:
    if not isinstance(raw, Mapping):
        raise TraceError(f"{p}: {where}: a cross tensor must be a mapping with keys {list(_CROSS_KEYS)}")
    unknown = sorted(set(raw) - set(_CROSS_KEYS))
    if unknown:
        raise TraceError(f"{p}: {where}.{unknown[0]}: unknown key; allowed: {list(_CROSS_KEYS)}")
    missing = [k for k in _CROSS_KEYS[1:] if k not in raw]
    if missing:
        raise TraceError(f"{p}: {where}.{missing[0]}: missing")
    try:
        return CrossTensor(str(raw.get("name", where)), _int(p, raw["words"], f"{where}.words"), str(raw["src"]),
                           str(raw["dst"]))
    except TraceError:
        raise
    except ArchGymError as exc:
        raise TraceError(f"{p}: {where}: {exc}") from None


def get_network(network: str | DualBranchNet) -> DualBranchNet:
    """A catalogue name, a YAML file path or a :class:`DualBranchNet`.

    Raises:
        SpecError: ``network`` is neither a catalogue name nor an existing ``.yaml``/``.yml`` file.
        TraceError: The YAML file is malformed (file and field named).
    """
    if isinstance(network, DualBranchNet):
        return network
    key = str(network)
    if key in NETWORKS:
        return NETWORKS[key]()
    if Path(key).suffix.lower() in (".yaml", ".yml") and Path(key).is_file():
        return load_network_yaml(key)
    raise SpecError(f"unknown network {key!r}; allowed: {format_allowed(NETWORKS)} or a path to a YAML file",
                    "network")
