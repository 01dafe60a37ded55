"""archgym-scalesim-example: the real SCALE-Sim 3 behind an archgym-lite env (``example/SCALESim-v0``).

``pyproject.toml`` declares the entry point ``scalesim = "archgym_scalesim:register"`` in the
``archgym_lite.envs`` group, so once this package is installed (``pip install -e examples/scalesim_plugin``)
``archgym envs list`` shows the env. SCALE-Sim itself runs in a separate interpreter (see :mod:`.venv`).
"""

from __future__ import annotations

ENV_ID = "example/SCALESim-v0"

__all__ = ["ENV_ID", "register"]


def register() -> None:
    """Register ``example/SCALESim-v0`` with archgym-lite (called through the entry point)."""
    import archgym_lite

    archgym_lite.register(
        ENV_ID,
        "archgym_scalesim.env:make_env",
        description="Real SCALE-Sim 3 (subprocess per design) on a small CNN: systolic-array shape, dataflow, SRAMs",
        override=True,
    )
