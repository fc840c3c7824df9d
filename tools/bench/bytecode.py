"""Benchmarks time an installed program: Python modules read from compiled bytecode, as pip leaves
them. A shell with PYTHONDONTWRITEBYTECODE set would make every fresh process compile each
module from source again (tens of ms per module here); children get a bytecode cache of their own
under ~/.cache/leropilot-gl/bench/pycache instead, which leaves the checkouts' folders untouched."""

from __future__ import annotations

import os
from pathlib import Path

PYCACHE_DIR = Path.home() / ".cache" / "leropilot-gl" / "bench" / "pycache"


def bytecode_env(env: dict[str, str]) -> dict[str, str]:
    """A child's environment that reads and writes compiled bytecode (under PYCACHE_DIR)."""
    out = dict(env)
    out.pop("PYTHONDONTWRITEBYTECODE", None)
    out["PYTHONPYCACHEPREFIX"] = str(PYCACHE_DIR)
    PYCACHE_DIR.mkdir(parents=True, exist_ok=True)
    return out


def note() -> str:
    skipped = os.environ.get("PYTHONDONTWRITEBYTECODE")
    return f"bytecode: cached under {PYCACHE_DIR}" + (
        " (PYTHONDONTWRITEBYTECODE ignored for the runs)" if skipped else ""
    )
