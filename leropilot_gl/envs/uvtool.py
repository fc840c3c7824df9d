"""Find the uv binary: the one the PyPI `uv` package ships, else a `uv` on PATH."""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
from pathlib import Path

from leropilot_gl.envs.settings import ToolCheck


class UvNotFound(RuntimeError):
    pass


def ensure_executable(path: Path) -> None:
    """Add the execute bits when missing (wheels unpacked by some tools lose them)."""
    mode = path.stat().st_mode
    wanted = mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH
    if os.access(path, os.X_OK):
        return
    try:
        path.chmod(wanted)
    except OSError as exc:
        raise UvNotFound(
            f"{path} is not executable and cannot be made so ({exc.strerror or exc}); "
            f"run `chmod +x {path}` or install uv another way"
        ) from exc


def find_uv(explicit: str | None = None) -> Path:
    """The uv to run. Order: an explicit path, the `uv` package's binary, then PATH."""
    candidates: list[Path] = []
    if explicit:
        candidates.append(Path(explicit))
    try:
        import uv  # the PyPI package: a thin module around the bundled binary

        candidates.append(Path(uv.find_uv_bin()))
    except (ImportError, FileNotFoundError):
        pass
    on_path = shutil.which("uv")
    if on_path:
        candidates.append(Path(on_path))
    for candidate in candidates:
        if candidate.is_file():
            ensure_executable(candidate)
            return candidate
    raise UvNotFound("uv was not found: install the `uv` Python package (pip install uv) or put uv on PATH")


def check_uv(explicit: str | None = None) -> ToolCheck:
    try:
        path = find_uv(explicit)
    except UvNotFound as exc:
        return ToolCheck("uv", None, None, str(exc))
    try:
        out = subprocess.run([str(path), "--version"], capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return ToolCheck("uv", str(path), None, f"{path} cannot run: {exc}")
    if out.returncode != 0:
        return ToolCheck("uv", str(path), None, f"{path} --version failed: {out.stderr.strip()}")
    return ToolCheck("uv", str(path), out.stdout.strip().removeprefix("uv ").strip(), None)


def available_pythons(uv: str | Path | None = None, *, downloads: bool = True) -> dict[str, bool]:
    """Python minor versions uv can provide: {"3.11": True (installed), "3.10": False (uv downloads it)}.

    Installed ones are what this machine has for sure; downloads need uv to reach its Python
    builds, so they are listed only when `downloads` is allowed.
    """
    try:
        exe = str(uv or find_uv())
        env = dict(os.environ)
        if not downloads:
            env["UV_PYTHON_DOWNLOADS"] = "never"
        out = subprocess.run(
            [exe, "python", "list", "--output-format", "json"],
            capture_output=True,
            text=True,
            timeout=30,
            env=env,
        )
        entries = json.loads(out.stdout) if out.returncode == 0 else []
    except (OSError, subprocess.TimeoutExpired, ValueError, UvNotFound):
        return {}
    found: dict[str, bool] = {}
    for entry in entries:
        if not isinstance(entry, dict) or entry.get("implementation", "cpython") != "cpython":
            continue
        parts = str(entry.get("version", "")).split(".")
        if len(parts) < 2 or not parts[1].isdigit():
            continue
        minor = f"{parts[0]}.{parts[1]}"
        installed = bool(entry.get("path"))
        if installed or downloads:
            found[minor] = found.get(minor, False) or installed
    return found
