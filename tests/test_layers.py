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
    headless = [
        PKG / "time_control.py",
        PKG / "jobs.py",
        PKG / "settings.py",
        PKG / "state.py",
        PKG / "editor_state.py",
    ]
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


def test_import_linter_contracts_hold():
    """The contracts in pyproject.toml: layers, no GL or widgets below the UI, private modules."""
    import os
    import subprocess
    import sys

    root = PKG.parent
    env = dict(os.environ, PYTHONPATH=str(root) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    run = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from importlinter.cli import lint_imports; sys.exit(lint_imports(no_cache=True))",
        ],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]
    assert "0 broken" in run.stdout and "Contracts: 5 kept" in run.stdout


def test_no_package_imports_another_packages_private_names():
    """`from leropilot_gl.dataset.x import _helper` from outside dataset/: say it in the public surface."""
    import ast

    offenders = []
    for path in sorted(PKG.rglob("*.py")):
        parts = path.relative_to(PKG).parts
        own = parts[0] if len(parts) > 1 else None
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.ImportFrom) or not (node.module or "").startswith("leropilot_gl."):
                continue
            target = node.module.split(".")
            theirs = target[1] if len(target) > 2 else None
            for alias in node.names:
                if alias.name.startswith("_") and (theirs is None or theirs != own):
                    offenders.append(f"{path.relative_to(PKG)}:{node.lineno} {node.module}.{alias.name}")
    assert not offenders, offenders
