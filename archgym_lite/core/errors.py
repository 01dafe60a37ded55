"""Exception families. Each carries the offending field so the CLI can print one clear line.

The CLI turns any :class:`ArchGymError` into a single red line and exit code 2.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable


class ArchGymError(Exception):
    """Base class of every error archgym-lite raises on bad input.

    Args:
        message: What is wrong, in one sentence.
        field: The name (or dotted path) of the offending field, if any.
    """

    def __init__(self, message: str, field: str | None = None) -> None:
        self.field = field
        super().__init__(f"{field}: {message}" if field else message)


class DesignError(ArchGymError, ValueError):
    """A design (a mapping of parameter name to value) is invalid for its design space."""


class SpecError(ArchGymError, ValueError):
    """A configuration (objective, sweep spec, env kwargs) is invalid."""


class RegistryError(ArchGymError, KeyError):
    """An env or agent id is unknown or registered twice."""

    def __str__(self) -> str:  # KeyError would otherwise quote the message
        return Exception.__str__(self)


class TraceError(ArchGymError, ValueError):
    """A trace or workload file is malformed (the message names file, line and column)."""


class ModelFileError(ArchGymError, ValueError):
    """A saved model file is corrupt, untrusted or does not match the env."""


class OutputError(ArchGymError):
    """An output path cannot be written: a file where a directory is wanted (or the reverse), read-only."""


def format_allowed(values: Iterable[object], limit: int = 12) -> str:
    """Render allowed values compactly: ``{4, 8, 16, ..., 256}``."""
    vals = [repr(v) if isinstance(v, str) else str(v) for v in values]
    if len(vals) > limit:
        vals = vals[: limit - 2] + ["...", vals[-1]]
    return "{" + ", ".join(vals) + "}"


def did_you_mean(name: str, allowed: Iterable[object], cutoff: float = 0.75) -> str:
    """`` Did you mean 'x'?`` for the close matches of ``name`` among ``allowed`` (empty when none is close)."""
    close = difflib.get_close_matches(str(name), [str(a) for a in allowed], n=3, cutoff=cutoff)
    return f" Did you mean {' or '.join(repr(c) for c in close)}?" if close else ""


def unknown_name(what: str, name: object, allowed: Iterable[object], limit: int = 40) -> str:
    """``unknown <what> 'name'; allowed: {...}. Did you mean 'x'?``"""
    allowed = list(allowed)
    return f"unknown {what} {str(name)!r}; allowed: {format_allowed(allowed, limit)}.{did_you_mean(str(name), allowed)}"
