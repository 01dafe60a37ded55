"""Faults a user hits: kill -9 of a sweep, two sweeps on one run directory, read-only and wrong output paths,
a report killed mid-write, group-readable files. Each gets one line and exit 2, or leaves nothing half-done."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

import archgym_lite
from archgym_lite.cli import app
from archgym_lite.core import registry
from archgym_lite.sweep import parse_spec, run_sweep
from archgym_lite.sweep.lock import LOCK_FILE
from archgym_lite.trials.run import run_trial
from archgym_lite.utils.files import atomic_write_bytes

REPO = Path(archgym_lite.__file__).resolve().parent.parent
SPEC = {"name": "t", "budget": 12, "seeds": 2, "envs": [{"id": "archgym/Synthetic-v0"}],
        "agents": [{"name": "random"}]}
# A slow agent importable by module name, so the sweep's fork server preloads it and pool workers know it.
SLOW_PLUGIN = textwrap.dedent("""
    import time
    import archgym_lite
    from agents.random_search import RandomSearch

    class SlowRandom(RandomSearch):
        def ask(self, n=1):
            time.sleep(0.01)
            return super().ask(n)

    archgym_lite.register_agent("slow-random", "slow_plugin:SlowRandom", override=True)
""")
runner = CliRunner()


def one_line_error(res, *needles: str) -> None:
    """Exit 2, a single ``error:`` line naming every needle, and no traceback."""
    assert res.exit_code == 2, res.output
    lines = [ln for ln in res.output.strip().splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), res.output
    assert "Traceback" not in res.output
    for n in needles:
        assert n in lines[0], (n, lines[0])


@pytest.fixture
def read_only_dir(tmp_path):
    """A directory nobody can create files in, root included: chmod for users, the immutable flag for root."""
    d = tmp_path / "ro"
    d.mkdir()
    (d / "kept.txt").write_text("x")
    if os.geteuid() == 0:
        subprocess.run(["chattr", "+i", str(d)], check=True)
    else:
        d.chmod(0o555)
    yield d
    if os.geteuid() == 0:
        subprocess.run(["chattr", "-i", str(d)], check=True)
    d.chmod(0o755)


def test_read_only_fixture_is_really_read_only(read_only_dir):
    with pytest.raises(PermissionError):
        (read_only_dir / "new").write_text("x")


def write_spec(tmp_path: Path, spec: dict | None = None) -> Path:
    path = tmp_path / "spec.yaml"
    path.write_text(json.dumps(spec or SPEC))
    return path


# --- output paths ---------------------------------------------------------------------------------------
def test_sweep_out_that_is_a_file_or_under_a_file(tmp_path):
    spec = write_spec(tmp_path)
    (tmp_path / "afile").write_text("x")
    one_line_error(runner.invoke(app, ["sweep", str(spec), "--out", str(tmp_path / "afile"), "--workers", "0"]),
                   "--out", "afile is not a directory")
    one_line_error(runner.invoke(app, ["sweep", str(spec), "--out", str(tmp_path / "afile" / "sub"),
                                       "--workers", "0"]), "--out", "its parent", "afile is a file")
    assert (tmp_path / "afile").read_text() == "x"


def test_sweep_in_a_read_only_directory(tmp_path, read_only_dir):
    one_line_error(runner.invoke(app, ["sweep", str(write_spec(tmp_path)), "--out", str(read_only_dir / "run"),
                                       "--workers", "0"]), "--out", "cannot write in directory")
    assert sorted(p.name for p in read_only_dir.iterdir()) == ["kept.txt"]


def test_resuming_a_finished_sweep_in_a_read_only_directory_writes_nothing(tmp_path):
    spec = write_spec(tmp_path)
    run = tmp_path / "run"
    assert runner.invoke(app, ["sweep", str(spec), "--out", str(run), "--workers", "0", "--no-progress"]).exit_code == 0
    before = {p: p.stat().st_mtime_ns for p in run.rglob("*")}
    for d in (run, run / "trials"):
        subprocess.run(["chattr", "+i", str(d)], check=True) if os.geteuid() == 0 else d.chmod(0o555)
    try:
        res = runner.invoke(app, ["sweep", str(spec), "--out", str(run), "--workers", "0", "--no-progress"])
    finally:
        for d in (run, run / "trials"):
            subprocess.run(["chattr", "-i", str(d)], check=True) if os.geteuid() == 0 else d.chmod(0o755)
    assert res.exit_code == 0 and "0 trials run, 2 already done, 0 failed" in res.output
    assert {p: p.stat().st_mtime_ns for p in run.rglob("*")} == before


def test_run_report_and_proxy_refuse_bad_outputs_before_working(tmp_path, read_only_dir):
    one_line_error(runner.invoke(app, ["run", "--env", "archgym/Synthetic-v0", "--budget", "5",
                                       "--out", str(read_only_dir / "x")]), "--out", "cannot write")
    logged = run_trial("archgym/Synthetic-v0", "random", 6, out_dir=tmp_path / "logs")
    assert logged.status == "completed"
    one_line_error(runner.invoke(app, ["report", str(tmp_path / "logs"), "--out", str(read_only_dir / "rep")]),
                   "--out", "cannot write")
    model_dir = tmp_path / "model.skops"
    model_dir.mkdir()
    one_line_error(runner.invoke(app, ["proxy", "train", "--env", "archgym/Synthetic-v0", "--sample", "200",
                                       "--out", str(model_dir)]), "--out", "is a directory")
    one_line_error(runner.invoke(app, ["proxy", "train", "--env", "archgym/Synthetic-v0", "--sample", "200",
                                       "--out", str(read_only_dir / "m.skops")]), "--out", "cannot write")
    assert list(model_dir.iterdir()) == [] and sorted(p.name for p in read_only_dir.iterdir()) == ["kept.txt"]
    # a real model, then a search whose log directory cannot be written
    ok = runner.invoke(app, ["proxy", "train", "--env", "archgym/Synthetic-v0", "--sample", "150", "--fresh-test",
                             "20", "--trees", "5", "--out", str(tmp_path / "m.skops")])
    assert ok.exit_code == 0, ok.output
    one_line_error(runner.invoke(app, ["proxy", "search", str(tmp_path / "m.skops"), "--budget", "5",
                                       "--out", str(read_only_dir / "search")]), "--out", "cannot write")


def test_library_run_trial_checks_its_out_dir(tmp_path):
    (tmp_path / "f").write_text("")
    with pytest.raises(archgym_lite.OutputError, match="out_dir: .*f is not a directory"):
        run_trial("archgym/Synthetic-v0", "random", 3, out_dir=tmp_path / "f")


# --- files are shared the way the umask says -----------------------------------------------------------
def test_written_files_follow_the_umask(tmp_path):
    old = os.umask(0o002)  # a group-shared run directory
    try:
        atomic_write_bytes(tmp_path / "a.bin", b"x")
        res = run_trial("archgym/Synthetic-v0", "random", 4, out_dir=tmp_path / "run")
    finally:
        os.umask(old)
    for p in (tmp_path / "a.bin", res.log_path, res.log_path.with_suffix(".json")):
        assert p.stat().st_mode & 0o777 == 0o664, (p, oct(p.stat().st_mode))
    os.umask(0o077)
    try:
        atomic_write_bytes(tmp_path / "private.bin", b"x")
    finally:
        os.umask(old)
    assert (tmp_path / "private.bin").stat().st_mode & 0o777 == 0o600


# --- messages are printed literally --------------------------------------------------------------------
def test_bracketed_words_survive_in_error_messages(tmp_path):
    bad = tmp_path / "bad.stl"
    bad.write_text("0:\tread\t0x40 [data]\n5:\tfly\t0x80\n")
    one_line_error(runner.invoke(app, ["simulate", "archgym/DRAM-v0", "-k", f"trace={bad}"]), "bad.stl", "[data]")
    res = runner.invoke(app, ["run", "--env", "archgym/Synthetic-v0", "--param", "[not]=1"])
    one_line_error(res, "[not]")


# --- one sweep per run directory ------------------------------------------------------------------------
def start_slow_sweep(tmp_path: Path, run: Path, workers: int, seeds: int = 4, budget: int = 4000):
    (tmp_path / "slow_plugin.py").write_text(SLOW_PLUGIN)
    spec = {**SPEC, "budget": budget, "seeds": seeds, "agents": [{"name": "slow-random"}]}
    (tmp_path / "slow.yaml").write_text(json.dumps(spec))
    driver = textwrap.dedent(f"""
        import slow_plugin
        from archgym_lite.sweep import load_spec, run_sweep
        run_sweep(load_spec({str(tmp_path / 'slow.yaml')!r}), {str(run)!r}, workers={workers}, show_progress=False)
    """)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(tmp_path), str(REPO)])}
    return subprocess.Popen([sys.executable, "-c", driver], env=env, cwd=tmp_path)


def wait_for(predicate, timeout_s: float = 90.0) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


def test_a_second_sweep_on_a_held_run_directory_names_the_holder(tmp_path, monkeypatch):
    run = tmp_path / "run"
    proc = start_slow_sweep(tmp_path, run, workers=0, seeds=2)
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(registry, "_AGENTS", dict(registry._AGENTS))  # the registration ends with the test
    archgym_lite.register_agent("slow-random", "slow_plugin:SlowRandom", override=True)
    try:
        lock = run / LOCK_FILE
        assert wait_for(lambda: lock.is_file() and str(proc.pid) in lock.read_text())
        res = runner.invoke(app, ["sweep", str(tmp_path / "slow.yaml"), "--out", str(run), "--workers", "0"])
        one_line_error(res, "--out", "in use by a running sweep", f"pid {proc.pid}",
                       f"host {socket.gethostname()}")
    finally:
        proc.kill()
        proc.wait()


def test_a_stale_lock_of_a_dead_sweep_is_taken_over(tmp_path):
    run = tmp_path / "run"
    run.mkdir()
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    (run / LOCK_FILE).write_text(json.dumps({"pid": dead.pid, "host": socket.gethostname(), "started": 0}))
    res = run_sweep(parse_spec(SPEC), run, workers=0, show_progress=False)
    assert res.completed == 2 and not res.failed


# --- kill -9 of a sweep leaves no process behind --------------------------------------------------------
def children() -> dict[int, int]:
    """pid -> parent pid of every live (non-zombie) process."""
    out = {}
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                stat = (d / "stat").read_text()
            except OSError:
                continue
            fields = stat[stat.rindex(")") + 2:].split()
            if fields[0] != "Z":
                out[int(d.name)] = int(fields[1])
    return out


def descendants(root: int) -> set[int]:
    table, found, frontier = children(), set(), {root}
    while frontier:
        frontier = {p for p, pp in table.items() if pp in frontier} - found
        found |= frontier
    return found


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_kill_9_of_a_sweep_leaves_no_process_alive(tmp_path):
    proc = start_slow_sweep(tmp_path, tmp_path / "run", workers=2)
    try:
        # the fork server, the resource tracker and two pool workers (children of the fork server)
        assert wait_for(lambda: len(descendants(proc.pid)) >= 4), descendants(proc.pid)
        family = descendants(proc.pid)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    assert wait_for(lambda: not (family & set(children())), timeout_s=10), sorted(family & set(children()))


# --- a report killed while writing leaves the old report or none ---------------------------------------
KILL_DURING_SAVEFIG = textwrap.dedent("""
    import os, signal, sys
    import matplotlib.figure
    from archgym_lite.report import write_report
    real = matplotlib.figure.Figure.savefig
    calls = []
    def dying_savefig(self, fname, *a, **k):
        calls.append(fname)
        if len(calls) == 2:  # the second PNG (the lottery plot): half-written, then SIGKILL
            with open(fname, "wb") as fh:
                fh.write(b"\\x89PNG half")
            os.kill(os.getpid(), signal.SIGKILL)
        return real(self, fname, *a, **k)
    matplotlib.figure.Figure.savefig = dying_savefig
    write_report(sys.argv[1])
""")


def test_a_killed_report_leaves_the_old_report_or_none(tmp_path):
    for seed in (0, 1):
        run_trial("archgym/Synthetic-v0", "random", 8, seed, out_dir=tmp_path / "run" / "trials")
    report = tmp_path / "run" / "report"

    def killed_report() -> None:
        env = {**os.environ, "PYTHONPATH": str(REPO)}
        res = subprocess.run([sys.executable, "-c", KILL_DURING_SAVEFIG, str(tmp_path / "run")], env=env)
        assert res.returncode == -signal.SIGKILL

    killed_report()
    visible = sorted(p.name for p in report.iterdir() if not p.name.startswith("."))
    assert "report.md" not in visible and not any(n.startswith("lottery") for n in visible), visible
    assert all((report / n).stat().st_size > 0 for n in visible)
    assert runner.invoke(app, ["report", str(tmp_path / "run")]).exit_code == 0
    old = {n: (report / n).read_bytes() for n in os.listdir(report) if not n.startswith(".")}
    assert "report.md" in old and any(n.startswith("lottery") for n in old)
    killed_report()
    assert {n: (report / n).read_bytes() for n in os.listdir(report) if not n.startswith(".")} == old
    shutil.rmtree(report)
