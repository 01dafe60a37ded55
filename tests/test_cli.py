"""CLI via typer's CliRunner: listing, showing, running, simulating; bad ids and flags exit non-zero."""

import pytest
from typer.testing import CliRunner

from archgym_lite.cli import app
from archgym_lite.trials import logs

runner = CliRunner()


def invoke(*args):
    return runner.invoke(app, list(args), catch_exceptions=False)


def test_envs_list_and_show():
    res = invoke("envs", "list")
    assert res.exit_code == 0 and "archgym/Synthetic-v0" in res.output
    res = invoke("envs", "show", "archgym/Synthetic-v0")
    assert res.exit_code == 0
    for text in ("x_pow2", "powers of two 1..1024", "area_mm2", "default objective"):
        assert text in res.output


def test_agents_list_shows_hyperparameters():
    res = invoke("agents", "list")
    assert res.exit_code == 0
    assert "random-walk" in res.output and "restart_prob=0.05" in res.output


def test_run_writes_a_trial_log(tmp_path):
    res = invoke("run", "--env", "archgym/Synthetic-v0", "--agent", "random-walk", "--budget", "25",
                 "--seed", "3", "--out", str(tmp_path))
    assert res.exit_code == 0, res.output
    df = logs.load(tmp_path)
    assert len(df) == 25 and set(df["agent"]) == {"random-walk"}


@pytest.mark.parametrize(("args", "code", "message"), [
    (["run", "--env", "archgym/Synthtic-v0", "--budget", "3"], 2, "Did you mean 'archgym/Synthetic-v0'?"),
    (["run", "--env", "archgym/Synthetic-v0", "--agent", "randm"], 2, "unknown agent 'randm'"),
    (["run", "--env", "archgym/Synthetic-v0", "-p", "batch_size=0"], 2,
     "params.batch_size: Input should be greater than or equal to 1"),
    (["run", "--env", "archgym/Synthetic-v0", "-p", "bogus"], 2, "--param: expected KEY=VALUE, got 'bogus'"),
    (["run", "--env", "archgym/Synthetic-v0", "--objective", "{targets: {cst: 1}}"], 2,
     "objective.targets.cst: unknown metric"),
    (["run", "--env", "archgym/Synthetic-v0", "--budget", "0"], 2, "Invalid value for '--budget'"),
    (["run", "--budget", "3"], 2, "--env"),
    (["envs", "show", "nope/Nope-v0"], 2, "unknown env id 'nope/Nope-v0'"),
    (["simulate", "archgym/Synthetic-v0", "-d", "x_pow2=3"], 2,
     "x_pow2: invalid value 3; allowed: powers of two 1..1024"),
    (["simulate", "archgym/Synthetic-v0", "-d", "colour=3"], 2, "colour: unknown parameter"),
    (["simulate", "archgym/Synthetic-v0", "--detail"], 2, "has no detail report"),
    (["frobnicate"], 2, "No such command"),
])
def test_bad_input_gives_one_clear_error_and_nonzero_exit(args, code, message, tmp_path):
    res = runner.invoke(app, [*args, *(["--out", str(tmp_path)] if args[0] == "run" else [])])
    assert res.exit_code == code, res.output
    assert message in " ".join(res.output.split()), res.output
    assert not list(tmp_path.iterdir())  # nothing half-written


def test_simulate_prints_hand_computed_metrics():
    res = invoke("simulate", "archgym/Synthetic-v0", "-d", "x_int=13", "-d", "x_pow2=64", "-d", "x_list=6",
                 "-d", "mode=b", "-d", "x_real=1.0")
    assert res.exit_code == 0
    assert "cost" in res.output and "reward: 0  feasible: True" in res.output


def all_commands():
    """(path, click command) of every leaf command of the app."""
    import typer.main

    out, todo = [], [((), typer.main.get_command(app))]
    while todo:
        path, cmd = todo.pop()
        if hasattr(cmd, "commands"):  # a group
            todo += [((*path, name), sub) for name, sub in cmd.commands.items()]
        else:
            out.append((path, cmd))
    return sorted(out, key=lambda pc: pc[0])


def test_every_cli_option_and_argument_has_help_and_no_internal_type_label():
    commands = all_commands()
    assert {" ".join(p) for p, _ in commands} >= {"run", "sweep", "report", "proxy train", "proxy search", "check"}
    for path, cmd in commands:
        for param in cmd.params:
            assert getattr(param, "help", None), f"archgym {' '.join(path)}: {param.name} has no help text"
        res = CliRunner().invoke(app, [*path, "--help"])
        assert res.exit_code == 0, res.output
        for label in ("<bool>", "<list[", "<Path", "<Optional"):
            assert label not in res.output, f"archgym {' '.join(path)} --help shows {label}"
