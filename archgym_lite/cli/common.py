"""What every ``archgym`` command shares: consoles, one-line errors, ``KEY=VALUE`` and YAML arguments, tables.

Every bad input raises an :class:`~archgym_lite.core.errors.ArchGymError`; :func:`cli_errors` prints it as
one red line (the message printed literally, never read as rich markup) and exits with code 2. A filesystem
fault (``OSError``: read-only directory, a file where a directory is wanted, a full disk) gets the same
treatment instead of a traceback.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import typer
import yaml
from rich.console import Console
from rich.table import Table
from rich.text import Text

from archgym_lite.core.errors import ArchGymError, SpecError

# Wide when piped (logs, CI, CliRunner) so tables are not truncated; a terminal uses its own width.
console = Console() if sys.stdout.isatty() else Console(width=200)
err_console = Console(stderr=True, width=None if sys.stderr.isatty() else 200)


def print_error(message: str) -> None:
    """``error: <message>`` on stderr, the message taken literally (``[data]`` stays ``[data]``)."""
    err_console.print(Text.assemble(("error: ", "red"), message), highlight=False, soft_wrap=True)


def os_error_message(exc: OSError) -> str:
    """``path: reason`` for a filesystem error (``OSError.__str__`` repeats the errno)."""
    where = exc.filename if exc.filename is not None else ""
    reason = exc.strerror or str(exc)
    return f"{where}: {reason}" if where else reason


@contextlib.contextmanager
def cli_errors() -> Iterator[None]:
    """Turn library errors and filesystem faults into one red line and exit code 2."""
    try:
        yield
    except ArchGymError as exc:
        print_error(str(exc))
        raise typer.Exit(2) from None
    except OSError as exc:
        print_error(os_error_message(exc))
        raise typer.Exit(2) from None


def parse_assignments(items: list[str] | None, what: str) -> dict[str, Any]:
    """``["a=1", "b=x"]`` → ``{"a": 1, "b": "x"}`` (values parsed as YAML scalars)."""
    out: dict[str, Any] = {}
    for item in items or []:
        key, sep, raw = item.partition("=")
        if not sep or not key.strip():
            raise SpecError(f"expected KEY=VALUE, got {item!r}", what)
        try:
            out[key.strip()] = yaml.safe_load(raw) if raw.strip() else ""
        except yaml.YAMLError:
            out[key.strip()] = raw
    return out


def load_yaml_arg(text: str | None, what: str = "--objective") -> Any:
    """A YAML mapping given inline or as a path to a file."""
    if text is None:
        return None
    path = Path(text)
    source = path.read_text() if path.suffix in (".yaml", ".yml", ".json") and path.is_file() else text
    try:
        value = yaml.safe_load(source)
    except yaml.YAMLError as exc:
        raise SpecError(f"not valid YAML: {exc}", what) from None
    if not isinstance(value, dict):
        raise SpecError("must be a YAML mapping (or a path to a .yaml file)", what)
    return value


def table(title: str, rows: list[dict[str, Any]], columns: list[str]) -> Table:
    """A rich table of ``rows`` (dicts) over ``columns``; strings are literal, :class:`Text` cells keep style."""
    out = Table(title=title, show_lines=False)
    for c in columns:
        out.add_column(c)
    for r in rows:
        out.add_row(*(v if isinstance(v, Text) else Text(str(v)) for v in (r.get(c, "") for c in columns)))
    return out
