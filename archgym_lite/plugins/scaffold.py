"""`scaffold_plugin`: write a pip-installable archgym-lite env plugin package from templates.

The generated package (for ``NAME = MyCache``)::

    pyproject.toml                      # hatchling; entry point my_cache = "archgym_my_cache:register"
    README.md
    archgym_my_cache/__init__.py        # ENV_ID = "my_cache/MyCache-v0" and register()
    archgym_my_cache/simulator.py       # MyCacheSimulator (a roofline GEMM cost model) and make_env
    tests/test_my_cache.py              # contract tests (conformance kit): valid for any model
    tests/test_example_model.py         # the example model's formulas: delete with the example

The templates live in ``archgym_lite/plugins/templates/plugin/*.tmpl`` and use :class:`string.Template`
(``$name`` / ``${name}``) so that the braces of Python and TOML need no escaping.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from string import Template

from archgym_lite.core.errors import SpecError

__all__ = ["NAME_FORM", "PluginNames", "default_directory", "plugin_names", "scaffold_plugin"]

NAME_FORM = ("a letter followed by letters and digits, optionally in parts joined by '_' or '-' "
             "(at most 40 characters), e.g. 'MyCache', 'my_cache' or 'tpu-v2'")
_NAME_RE = re.compile(r"[A-Za-z][A-Za-z0-9]*(?:[_-][A-Za-z0-9]+)*")

# template file (relative to templates/plugin) -> output path (relative to the package root)
_FILES = (
    ("pyproject.toml.tmpl", "pyproject.toml"),
    ("README.md.tmpl", "README.md"),
    ("__init__.py.tmpl", "{package}/__init__.py"),
    ("simulator.py.tmpl", "{package}/simulator.py"),
    ("tests/test_module.py.tmpl", "tests/test_{module}.py"),
    ("tests/test_example_model.py.tmpl", "tests/test_example_model.py"),
)


@dataclass(frozen=True)
class PluginNames:
    """Every name derived from NAME.

    Attributes:
        name: NAME as given.
        module: snake_case form (``my_cache``): the entry-point name and the env id's namespace.
        class_prefix: CamelCase form (``MyCache``): the simulator class is ``<class_prefix>Simulator``.
        package: The import package (``archgym_my_cache``).
        dist: The distribution name for pip (``archgym-my-cache``).
        env_id: The registered env id (``my_cache/MyCache-v0``).
    """

    name: str
    module: str
    class_prefix: str
    package: str
    dist: str
    env_id: str


def plugin_names(name: str) -> PluginNames:
    """Validate NAME and derive the package, class, distribution and env id names from it.

    Raises:
        SpecError: NAME is not of the allowed form (:data:`NAME_FORM`).
    """
    if not isinstance(name, str) or len(name) > 40 or not _NAME_RE.fullmatch(name):
        raise SpecError(f"invalid env name {name!r}: must be {NAME_FORM}", "name")
    parts = [p for p in re.split(r"[_-]", name) if p]
    snake_parts = [re.sub(r"(?<=[a-z])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "_", p).lower() for p in parts]
    module = "_".join(snake_parts)
    class_prefix = name if len(parts) == 1 and name[0].isupper() else "".join(p[0].upper() + p[1:] for p in parts)
    return PluginNames(name, module, class_prefix, f"archgym_{module}", "archgym-" + module.replace("_", "-"),
                       f"{module}/{class_prefix}-v0")


def default_directory(name: str) -> Path:
    """Where ``archgym new-env NAME`` writes without ``--dir``: ``./archgym-<name>``."""
    return Path(plugin_names(name).dist)


def _template(rel: str) -> str:
    return resources.files("archgym_lite.plugins").joinpath("templates", "plugin", *rel.split("/")).read_text()


def scaffold_plugin(name: str, directory: str | Path) -> list[Path]:
    """Write a plugin package for env NAME into ``directory`` (created if needed).

    Every target file is checked before any is written: if one already exists nothing is written.

    Args:
        name: The env name (see :data:`NAME_FORM`).
        directory: The package root (the folder that will hold ``pyproject.toml``).

    Returns:
        The written files, in the order listed in the module docstring.

    Raises:
        SpecError: NAME is invalid, ``directory`` is a file, or some target files exist (all are listed).
    """
    names = plugin_names(name)
    root = Path(directory)
    if root.exists() and not root.is_dir():
        raise SpecError(f"{root} exists and is not a directory", "dir")
    mapping = {"name": names.name, "module": names.module, "class_prefix": names.class_prefix,
               "package": names.package, "dist": names.dist, "env_id": names.env_id}
    targets = [(tmpl, root / out.format(package=names.package, module=names.module)) for tmpl, out in _FILES]
    existing = [str(path) for _, path in targets if path.exists() or path.is_symlink()]
    if existing:
        raise SpecError(f"refusing to overwrite existing files: {', '.join(existing)} "
                        "(choose another --dir or NAME, or remove them)", "dir")
    rendered = [(path, Template(_template(tmpl)).substitute(mapping)) for tmpl, path in targets]  # fail before writing
    written = []
    for path, text in rendered:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("x", encoding="utf-8") as fh:  # "x": never clobber a file that appeared meanwhile
            fh.write(text)
        written.append(path)
    return written
