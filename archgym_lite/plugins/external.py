"""`ExternalSimulator`: wrap a simulator that runs as a command line (or a Python callable).

This is how a real binary such as SCALE-Sim or DRAMSys is plugged in. Each evaluation:

1. creates a **fresh temporary directory** (never a shared config file: ArchGym rewrote one config file in
   place for every evaluation, so two concurrent evaluations raced on it);
2. optionally writes a config file there from a template string (``str.format`` with the design's values,
   so literal braces are written ``{{`` / ``}}``) or from a function ``design -> text``;
3. runs the command with ``{placeholders}`` filled from the design plus ``{config}`` (the config file's
   path) and ``{workdir}`` (the directory), with the directory as working directory, under a timeout;
4. parses the output into the declared metrics: ``parser(stdout, workdir) -> {metric: number}``; the default
   :func:`json_stdout_parser` reads a JSON object printed on stdout.

Failed evaluations
------------------
A timeout, a non-zero exit status, a command that cannot be started, a parser that raises, or output missing a
declared metric (or giving a non-numeric or non-finite value) is a **failed evaluation**. What happens then is
chosen by ``on_error``:

``"raise"`` (default)
    :class:`ExternalSimulatorError` (a ``RuntimeError``) is raised, carrying the design, exit status,
    ``timed_out`` flag and the simulator's stdout and stderr (their tails are in the message). Inside
    :func:`archgym_lite.trials.run.run_trial` this ends the trial with status ``"failed"`` and the traceback (so the
    stderr) in the trial manifest; ``archgym sweep`` lists it and ``--retry-failed`` reruns it. Evaluations
    logged before the failure are kept.
``"nan"``
    Every metric of that design is NaN and the error is appended to :attr:`ExternalSimulator.failures`;
    the search goes on. The design's reward is then NaN too (logged as such); only use this with agents
    that tolerate NaN rewards, for simulators that crash on a few corner-case designs.

A timed-out command is killed with its whole process group, so simulators that fork helpers do not linger.

Example (a SCALE-Sim-like binary; see "Add your simulator" in README.md)::

    sim = ExternalSimulator(
        space=DesignSpace([Pow2Param("rows", 4, 256), Pow2Param("cols", 4, 256)]),
        metrics=[Metric("cycles", "cycles")],
        command=["scalesim", "-c", "{config}", "-p", "{workdir}"],
        config="[architecture_presets]\\nArrayHeight: {rows}\\nArrayWidth: {cols}\\n",
        config_name="scale.cfg",
        parser=regex_parser({"cycles": r"Total cycles:\\s*(\\d+)"}),
        timeout_s=120,
    )
"""

from __future__ import annotations

import json
import math
import os
import re
import shutil
import signal
import string
import subprocess
import tempfile
import threading
import traceback
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np

from archgym_lite.core.errors import SpecError
from archgym_lite.core.simulator import Metric, MetricTable, Simulator
from archgym_lite.core.space import Columns, Design, DesignSpace

__all__ = ["ExternalSimulator", "ExternalSimulatorError", "json_stdout_parser", "regex_parser"]

Parser = Callable[[str, Path], Mapping[str, Any]]
ConfigWriter = str | Callable[[Design], str]
PyCallable = Callable[[Design, Path], "Mapping[str, Any] | str"]

_TAIL = 4000  # characters of stdout/stderr kept in error messages
_RESERVED = ("config", "workdir")


class ExternalSimulatorError(RuntimeError):
    """A failed evaluation of an external simulator (timeout, crash, unparsable output).

    Attributes:
        design: The design being evaluated.
        returncode: Exit status (``None`` on timeout, launch failure or a Python callable).
        timed_out: Whether the evaluation hit the timeout.
        stdout: The simulator's standard output (possibly partial).
        stderr: The simulator's standard error (possibly partial), or the traceback of a Python callable.
        workdir: The evaluation's directory (deleted unless ``keep_workdirs``).
    """

    def __init__(self, reason: str, *, design: Mapping[str, Any], returncode: int | None = None,
                 timed_out: bool = False, stdout: str = "", stderr: str = "", workdir: Path | None = None) -> None:
        self.reason = reason
        self.design = dict(design)
        self.returncode = returncode
        self.timed_out = timed_out
        self.stdout = stdout
        self.stderr = stderr
        self.workdir = workdir
        msg = f"{reason} for design {self.design}"
        if stderr.strip():
            msg += f"\n--- simulator stderr (last {_TAIL} chars) ---\n{stderr[-_TAIL:].rstrip()}"
        if stdout.strip() and not stderr.strip():
            msg += f"\n--- simulator stdout (last {_TAIL} chars) ---\n{stdout[-_TAIL:].rstrip()}"
        super().__init__(msg)


def json_stdout_parser(stdout: str, workdir: Path) -> dict[str, Any]:
    """Parse a JSON object from stdout: the whole output, else its last line that is a JSON object.

    Lets a simulator print progress lines before a final ``{"latency_cycles": 123, ...}``.
    """
    text = stdout.strip()
    try:
        value = json.loads(text)
        if isinstance(value, dict):
            return value
    except json.JSONDecodeError:
        pass
    for line in reversed(text.splitlines()):
        line = line.strip()
        if line.startswith("{"):
            try:
                value = json.loads(line)
            except json.JSONDecodeError:
                continue
            if isinstance(value, dict):
                return value
    raise ValueError("no JSON object found on stdout")


def regex_parser(patterns: Mapping[str, str], source: str | None = None) -> Parser:
    """A parser taking each metric from the first group of a regular expression.

    Args:
        patterns: Metric name → regex with one capturing group around the number.
        source: A file name inside the work directory to search instead of stdout (e.g. a report the
            simulator writes).
    """
    compiled = {k: re.compile(v, re.MULTILINE) for k, v in patterns.items()}

    def parse(stdout: str, workdir: Path) -> dict[str, Any]:
        text = (workdir / source).read_text() if source else stdout
        out = {}
        for name, rx in compiled.items():
            m = rx.search(text)
            if m is None:
                raise ValueError(f"pattern for {name!r} ({rx.pattern!r}) not found in {source or 'stdout'}")
            out[name] = m.group(1)
        return out

    return parse


def _placeholders(text: str) -> set[str]:
    """Field names used in a ``str.format`` template (``{a}``, ``{a:>4}``; ``{{`` escapes)."""
    names = set()
    for _, field_name, _, _ in string.Formatter().parse(text):
        if field_name is not None:
            names.add(re.split(r"[.\[]", field_name, maxsplit=1)[0])
    return names


class ExternalSimulator(Simulator):
    """A :class:`Simulator` that runs an external command (or Python callable) per evaluation.

    Args:
        space: The design space.
        metrics: Declared metrics (``Metric`` objects, or names for dimensionless lower-is-better metrics).
        command: Either a list of arguments with ``{placeholders}`` (design parameters, ``{config}``,
            ``{workdir}``), run without a shell; or a Python callable ``fn(design, workdir)`` returning the
            metrics mapping or a text that ``parser`` reads.
        config: Optional config-file contents: a ``str.format`` template over the design's parameters (and
            ``{workdir}``), or a function ``design -> text``. Written to ``workdir/config_name``.
        config_name: File name of the config file.
        parser: ``parser(stdout, workdir) -> {metric: number}``; default :func:`json_stdout_parser`.
        timeout_s: Seconds before an evaluation is killed and fails (``None``: no limit).
        on_error: ``"raise"`` (:class:`ExternalSimulatorError`) or ``"nan"`` (NaN metrics, error recorded in
            :attr:`failures`); see the module docstring.
        env: Extra environment variables for the command.
        max_workers: Evaluations of a batch run concurrently in this many threads (each in its own directory).
        keep_workdirs: Keep each evaluation's directory (for debugging) instead of deleting it.
        workdir_root: Parent of the per-evaluation directories (default: the system temp directory).
        name: Shown in errors and ``repr`` (default: the program name or callable's name).

    Attributes:
        failures: Errors of failed evaluations under ``on_error="nan"`` (thread-safe, in completion order).
    """

    def __init__(
        self,
        space: DesignSpace,
        metrics: Sequence[Metric | str],
        command: Sequence[str] | PyCallable,
        *,
        config: ConfigWriter | None = None,
        config_name: str = "config.cfg",
        parser: Parser | None = None,
        timeout_s: float | None = 60.0,
        on_error: str = "raise",
        env: Mapping[str, str] | None = None,
        max_workers: int = 1,
        keep_workdirs: bool = False,
        workdir_root: str | Path | None = None,
        name: str | None = None,
    ) -> None:
        self.space = space
        self.metrics = tuple(m if isinstance(m, Metric) else Metric(str(m)) for m in metrics)
        if not self.metrics:
            raise SpecError("needs at least one metric", "metrics")
        if on_error not in ("raise", "nan"):
            raise SpecError(f"got {on_error!r}; allowed: ['nan', 'raise']", "on_error")
        if timeout_s is not None and not timeout_s > 0:
            raise SpecError(f"must be > 0 or None, got {timeout_s!r}", "timeout_s")
        if max_workers < 1:
            raise SpecError(f"must be >= 1, got {max_workers}", "max_workers")
        if Path(config_name).name != config_name or config_name in ("", ".", ".."):
            raise SpecError(f"must be a plain file name, got {config_name!r}", "config_name")
        clash = [p for p in space.names if p in _RESERVED]
        if clash:
            raise SpecError(f"parameter name {clash[0]!r} is reserved for the placeholder {{{clash[0]}}}", "space")
        allowed = set(space.names) | set(_RESERVED)
        if callable(command):
            self._argv: list[str] | None = None
            self._fn: PyCallable | None = command
            default_name = getattr(command, "__name__", type(command).__name__)
        else:
            argv = [str(a) for a in command]
            if not argv:
                raise SpecError("needs at least the program to run", "command")
            for arg in argv:
                unknown = _placeholders(arg) - allowed
                if unknown:
                    raise SpecError(f"unknown placeholder {{{sorted(unknown)[0]}}} in {arg!r}; allowed: "
                                    f"{sorted(allowed)}", "command")
            if "{config}" in " ".join(argv) and config is None:
                raise SpecError("uses {config} but no config template or writer was given", "command")
            self._argv, self._fn = argv, None
            default_name = Path(argv[0]).name
        if isinstance(config, str):
            unknown = _placeholders(config) - (set(space.names) | {"workdir"})
            if unknown:
                raise SpecError(f"unknown placeholder {{{sorted(unknown)[0]}}}; allowed: "
                                f"{sorted(set(space.names) | {'workdir'})} (write literal braces as {{{{ }}}})",
                                "config")
        elif config is not None and not callable(config):
            raise SpecError("must be a template string or a function design -> text", "config")
        self.config = config
        self.config_name = config_name
        self.parser: Parser = parser or json_stdout_parser
        self.timeout_s = timeout_s
        self.on_error = on_error
        self.env = dict(env or {})
        self.max_workers = max_workers
        self.keep_workdirs = keep_workdirs
        self.workdir_root = Path(workdir_root) if workdir_root is not None else None
        self.name = name or default_name
        self.failures: list[ExternalSimulatorError] = []
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"ExternalSimulator({self.name!r}, {len(self.space)} params, metrics={list(self.metric_names)})"

    # --- evaluation -----------------------------------------------------------------------------
    def _evaluate(self, design: Design) -> dict[str, float]:
        try:
            return self._run_one(design)
        except ExternalSimulatorError as exc:
            if self.on_error == "raise":
                raise
            with self._lock:
                self.failures.append(exc)
            return {m: math.nan for m in self.metric_names}

    def _evaluate_batch(self, columns: Columns) -> MetricTable:
        rows = DesignSpace.rows(columns)
        if self.max_workers > 1 and len(rows) > 1:
            with ThreadPoolExecutor(min(self.max_workers, len(rows)), thread_name_prefix="archgym-ext") as pool:
                results = list(pool.map(self._evaluate, rows))
        else:
            results = [self._evaluate(d) for d in rows]
        return {m: np.array([r[m] for r in results], dtype=np.float64) for m in self.metric_names}

    def _run_one(self, design: Design) -> dict[str, float]:
        if self.workdir_root is not None:
            self.workdir_root.mkdir(parents=True, exist_ok=True)
        workdir = Path(tempfile.mkdtemp(prefix="archgym-ext-", dir=self.workdir_root))  # unique per evaluation
        try:
            values = {**design, "workdir": str(workdir)}
            if self.config is not None:
                text = self.config.format_map(values) if isinstance(self.config, str) else self.config(dict(design))
                (workdir / self.config_name).write_text(text)
            values["config"] = str(workdir / self.config_name)
            if self._fn is not None:
                raw, stdout = self._call(design, workdir)
            else:
                stdout = self._spawn([a.format_map(values) for a in self._argv or []], design, workdir)
                raw = None
            return self._parse(raw, stdout, design, workdir)
        finally:
            if not self.keep_workdirs:
                shutil.rmtree(workdir, ignore_errors=True)

    def _spawn(self, argv: list[str], design: Design, workdir: Path) -> str:
        try:
            proc = subprocess.Popen(argv, cwd=workdir, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                    stderr=subprocess.PIPE, text=True, env={**os.environ, **self.env},
                                    start_new_session=True)
        except OSError as exc:
            raise ExternalSimulatorError(f"{self.name}: could not start {argv[0]!r}: {exc}", design=design,
                                         workdir=workdir) from exc
        try:
            stdout, stderr = proc.communicate(timeout=self.timeout_s)
        except subprocess.TimeoutExpired:
            _kill_group(proc)
            stdout, stderr = proc.communicate()
            raise ExternalSimulatorError(f"{self.name}: timed out after {self.timeout_s:g} s", design=design,
                                         timed_out=True, stdout=stdout or "", stderr=stderr or "",
                                         workdir=workdir) from None
        if proc.returncode != 0:
            raise ExternalSimulatorError(f"{self.name}: exited with status {proc.returncode}", design=design,
                                         returncode=proc.returncode, stdout=stdout, stderr=stderr, workdir=workdir)
        return stdout

    def _call(self, design: Design, workdir: Path) -> tuple[Any, str]:
        assert self._fn is not None
        box: dict[str, Any] = {}

        def target() -> None:
            try:
                box["value"] = self._fn(dict(design), workdir)  # type: ignore[misc]
            except BaseException as exc:  # reported below as a failed evaluation
                box["error"] = exc

        # A daemon thread, so a callable that never returns cannot keep the interpreter alive; Python cannot
        # kill a thread, so after a timeout it runs on in the background (use a command for hard limits).
        thread = threading.Thread(target=target, name=f"archgym-ext-{self.name}", daemon=True)
        thread.start()
        thread.join(self.timeout_s)
        if thread.is_alive():
            raise ExternalSimulatorError(f"{self.name}: timed out after {self.timeout_s:g} s", design=design,
                                         timed_out=True, workdir=workdir)
        if "error" in box:
            exc = box["error"]
            raise ExternalSimulatorError(f"{self.name}: raised {type(exc).__name__}: {exc}", design=design,
                                         stderr="".join(traceback.format_exception(exc)), workdir=workdir)
        value = box.get("value")
        return (None, value) if isinstance(value, str) else (value, "")

    def _parse(self, raw: Any, stdout: str, design: Design, workdir: Path) -> dict[str, float]:
        if raw is None:
            try:
                raw = self.parser(stdout, workdir)
            except Exception as exc:
                raise ExternalSimulatorError(f"{self.name}: could not parse the output ({type(exc).__name__}: "
                                             f"{exc})", design=design, stdout=stdout, workdir=workdir) from exc
        if not isinstance(raw, Mapping):
            raise ExternalSimulatorError(f"{self.name}: output must be a mapping metric -> number, got "
                                         f"{type(raw).__name__}", design=design, stdout=stdout, workdir=workdir)
        missing = [m for m in self.metric_names if m not in raw]
        if missing:
            raise ExternalSimulatorError(f"{self.name}: output lacks metric(s) {missing} (got {sorted(raw)})",
                                         design=design, stdout=stdout, workdir=workdir)
        out = {}
        for m in self.metric_names:
            try:
                v = float(raw[m])
            except (TypeError, ValueError):
                v = math.nan
            if not math.isfinite(v):
                raise ExternalSimulatorError(f"{self.name}: metric {m!r} is {raw[m]!r}, not a finite number",
                                             design=design, stdout=stdout, workdir=workdir)
            out[m] = v
        return out


def _kill_group(proc: subprocess.Popen[str]) -> None:
    """Kill a timed-out command and everything it started (it leads its own session)."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError, OSError):
        proc.kill()
