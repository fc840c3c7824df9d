"""Where the app keeps its own files (never inside a user's dataset). No imgui."""

from __future__ import annotations

import functools
import os
from pathlib import Path

APP_DIR_NAME = "leropilot-gl"


def user_config_dir() -> Path:
    """$XDG_CONFIG_HOME/leropilot-gl (default ~/.config/leropilot-gl): robot prefs, edit journals."""
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / APP_DIR_NAME


@functools.lru_cache(maxsize=4096)
def resolved(path: Path | str) -> Path:
    """`Path(path).resolve()`, once per distinct path: the UI compares dataset roots every frame and
    each resolve() is a chain of system calls. A dataset's folder does not move while it is open."""
    return Path(path).resolve()
