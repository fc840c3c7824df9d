"""Where the app keeps its own files (never inside a user's dataset). No imgui."""

from __future__ import annotations

import os
from pathlib import Path

APP_DIR_NAME = "leropilot-gl"


def user_config_dir() -> Path:
    """$XDG_CONFIG_HOME/leropilot-gl (default ~/.config/leropilot-gl): robot prefs, edit journals."""
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / APP_DIR_NAME
