"""The headless packages never import the UI or GL (ARCHITECTURE.md layers)."""

from __future__ import annotations

import re
from pathlib import Path

PKG = Path(__file__).resolve().parents[1] / "leropilot_gl"
IMPORT = re.compile(r"^\s*(?:import|from)\s+([\w.]+)", re.MULTILINE)


def _imports(paths):
    for path in paths:
        for module in IMPORT.findall(path.read_text()):
            yield path, module


def test_headless_packages_import_no_ui_or_gl():
    headless = [PKG / "time_control.py", PKG / "jobs.py", PKG / "settings.py", PKG / "state.py"]
    for sub in ("dataset", "media", "robot", "envs"):
        headless += sorted((PKG / sub).rglob("*.py"))
    offenders = [
        f"{p.relative_to(PKG)} imports {m}"
        for p, m in _imports(headless)
        if m.split(".")[0] in ("imgui_bundle", "OpenGL", "glfw") or m.startswith("leropilot_gl.ui")
    ]
    assert not offenders, offenders
    assert len(headless) > 8


def test_render_does_not_import_imgui():
    offenders = [
        f"{p.relative_to(PKG)} imports {m}"
        for p, m in _imports(sorted((PKG / "render").rglob("*.py")))
        if m.startswith("imgui_bundle") or m.startswith("leropilot_gl.ui")
    ]
    assert not offenders, offenders
