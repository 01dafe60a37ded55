"""Proxy model files: skops (never pickle), with metadata, checked on load.

The file holds only numpy arrays (the flattened trees and network weights of :mod:`.trees` and :mod:`.mlp`)
and plain Python data (dicts, lists, strings, numbers): no estimator objects, so nothing in it is code and
the set of types it may contain is known. Loading refuses any other type (a tampered file) with a clear
error, and refuses a model whose design-space signature differs from the env's.

Integrity: a skops file is a zip archive (``schema.json`` plus one ``.npy`` member per array). After skops
writes it, one more member, ``archgym_integrity.json``, records the SHA-256 of every other member and of
their sorted concatenation (the payload hash). Loading recomputes them and refuses a file whose content
changed after it was written, e.g. array bytes edited and re-zipped with valid CRCs (which the zip format
alone does not catch). The hash protects against corruption and naive edits, not against an adversary who
also rewrites the record: only load model files you trust.
"""

from __future__ import annotations

import hashlib
import json
import platform
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import sklearn
import skops
import skops.io as sio

from archgym_lite._version import __version__
from archgym_lite.core.errors import ModelFileError
from archgym_lite.core.registry import make
from archgym_lite.proxy.candidates import predictor_from_payload
from archgym_lite.proxy.model import Head, ProxyModel
from archgym_lite.utils.files import atomic_write_bytes, json_default

FORMAT = "archgym-lite-proxy/3"
INTEGRITY_MEMBER = "archgym_integrity.json"
#: Types a proxy file may contain beyond skops' defaults (numpy arrays, dicts, lists): plain scalars.
TRUSTED = ("builtins.float", "builtins.int", "builtins.str", "builtins.bool")


def save_proxy(model: ProxyModel, path: str | Path) -> Path:
    """Write ``model`` as a skops file (atomically)."""
    payload = {
        "format": FORMAT,
        "env_id": model.env_id,
        "env_kwargs": model.env_kwargs,
        "space_signature": model.space_signature,
        "metric_names": list(model.metric_names),
        "transforms": dict(model.transforms),
        "center": model.center,
        "scale": model.scale,
        "kinds": dict(model.kinds),
        "aliases": dict(model.aliases),
        "cv": _plain(model.cv),
        "train_size": int(model.train_size),
        "meta": _plain(model.meta),
        "versions": {"archgym_lite": __version__, "sklearn": sklearn.__version__, "skops": skops.__version__,
                     "numpy": np.__version__,
                     "python": platform.python_version()},
        "heads": [{"kind": h.kind, "outputs": [int(j) for j in h.outputs], "predictor": h.predictor.to_payload()}
                  for h in model.heads],
    }
    path = Path(path)
    tmp = path.with_name(f".{path.name}.building")
    try:
        sio.dump(payload, tmp, compression=zipfile.ZIP_DEFLATED)
        seal(tmp)
        atomic_write_bytes(path, tmp.read_bytes())
    finally:
        tmp.unlink(missing_ok=True)
    return path


def _plain(obj: Any) -> Any:
    """JSON-compatible Python data (numpy scalars become floats and ints)."""
    return json.loads(json.dumps(obj, default=json_default))


def seal(path: str | Path) -> None:
    """Append the integrity record (hashes of every member) to a freshly written skops file."""
    with zipfile.ZipFile(path, "a") as archive:
        archive.writestr(INTEGRITY_MEMBER, json.dumps(_member_hashes(archive), sort_keys=True))


def _member_hashes(archive: zipfile.ZipFile) -> dict[str, Any]:
    members = {i.filename: hashlib.sha256(archive.read(i)).hexdigest()
               for i in archive.infolist() if i.filename != INTEGRITY_MEMBER}
    payload = hashlib.sha256("".join(members[k] for k in sorted(members)).encode()).hexdigest()
    return {"algorithm": "sha256", "members": members, "payload_sha256": payload}


def check_integrity(path: Path) -> None:
    """Refuse a file whose members differ from the hashes recorded when it was written."""
    try:
        with zipfile.ZipFile(path) as archive:
            names = {i.filename for i in archive.infolist()}
            if INTEGRITY_MEMBER not in names:
                raise ModelFileError("no integrity record (archgym_integrity.json): not written by this version "
                                     "of archgym-lite, or altered; re-train it", str(path))
            recorded = json.loads(archive.read(INTEGRITY_MEMBER))
            actual = _member_hashes(archive)
    except (zipfile.BadZipFile, OSError, json.JSONDecodeError, KeyError) as exc:
        raise ModelFileError(f"not a readable skops model file ({type(exc).__name__}: {exc})", str(path)) from None
    if recorded.get("payload_sha256") != actual["payload_sha256"]:
        changed = sorted(set(actual["members"]) ^ set(recorded.get("members", {}))) or sorted(
            m for m, h in actual["members"].items() if recorded["members"].get(m) != h)
        raise ModelFileError(f"content hash mismatch in {changed[:3]}: the file changed after it was written "
                             "(corrupt or tampered); refusing to load it", str(path))


def read_payload(path: str | Path) -> dict[str, Any]:
    """Load the raw payload, refusing untrusted types and malformed files."""
    p = Path(path)
    if not p.is_file():
        raise ModelFileError("no such model file", str(p))
    check_integrity(p)
    try:
        untrusted = sio.get_untrusted_types(file=p)
    except Exception as exc:
        raise ModelFileError(f"not a readable skops model file ({type(exc).__name__}: {exc})", str(p)) from None
    bad = sorted(set(untrusted) - set(TRUSTED))
    if bad:
        raise ModelFileError(f"refusing to load untrusted types {bad}; a proxy file holds only scikit-learn "
                             "estimators and plain data (was it tampered with?)", str(p))
    try:
        payload = sio.load(p, trusted=list(untrusted))
    except Exception as exc:
        raise ModelFileError(f"corrupt model file ({type(exc).__name__}: {exc})", str(p)) from None
    if isinstance(payload, dict) and str(payload.get("format", "")).startswith("archgym-lite-proxy/") and \
            payload.get("format") != FORMAT:
        raise ModelFileError(f"written in format {payload['format']!r} by an older archgym-lite; this version reads "
                             f"{FORMAT!r}: re-train it", str(p))
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        raise ModelFileError(f"not an archgym-lite proxy file (expected format {FORMAT!r})", str(p))
    return payload


def load_proxy(path: str | Path, env: Any = None) -> ProxyModel:
    """Load a proxy file; ``env`` (a DesignEnv) defaults to the one recorded in the file."""
    payload = read_payload(path)
    if env is None:
        env = make(payload["env_id"], **payload["env_kwargs"])
    sim = env.simulator
    if sim.space.signature() != payload["space_signature"]:
        raise ModelFileError(f"design space mismatch: the model was trained on {payload['env_id']} with space "
                             f"signature {payload['space_signature']}, this env's is {sim.space.signature()}",
                             str(path))
    unknown = set(payload["metric_names"]) - set(sim.metric_names)
    if unknown:
        raise ModelFileError(f"model predicts metrics {sorted(unknown)} this env does not have", str(path))
    try:
        heads = [Head(h["kind"], predictor_from_payload(h["predictor"]), [int(j) for j in h["outputs"]])
                 for h in payload["heads"]]
        return ProxyModel(sim, payload["env_id"], payload["env_kwargs"], payload["metric_names"],
                          payload["transforms"], payload["center"], payload["scale"], heads, payload["kinds"],
                          payload["train_size"], payload["cv"], {**payload["meta"], "versions": payload["versions"]},
                          payload["aliases"])
    except (KeyError, TypeError, ValueError, IndexError) as exc:
        raise ModelFileError(f"malformed proxy payload ({type(exc).__name__}: {exc})", str(path)) from None
