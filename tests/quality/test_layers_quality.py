"""quality/ is headless: no imgui, no GL, no ui/ (ARCHITECTURE.md layers)."""

from __future__ import annotations

import re
from pathlib import Path

PKG = Path(__file__).resolve().parents[2] / "leropilot_gl" / "quality"
IMPORT = re.compile(r"^\s*(?:import|from)\s+([\w.]+)", re.MULTILINE)


def test_quality_imports_no_ui_or_gl() -> None:
    files = sorted(PKG.rglob("*.py"))
    offenders = [
        f"{p.name} imports {m}"
        for p in files
        for m in IMPORT.findall(p.read_text())
        if m.split(".")[0] in ("imgui_bundle", "OpenGL", "glfw") or m.startswith("leropilot_gl.ui")
    ]
    assert len(files) >= 7 and not offenders, offenders
