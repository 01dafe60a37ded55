"""The ``archgym`` command line (typer + rich). Thin: it parses, calls the library, prints.

Every bad input raises an :class:`~archgym_lite.core.errors.ArchGymError`; the CLI prints it as one red line
and exits with code 2 (see :mod:`archgym_lite.cli.common`).
"""

from archgym_lite.cli.main import app, main

__all__ = ["app", "main"]
