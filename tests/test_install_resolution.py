"""Installing leropilot-gl beside a LeRobot user's environment changes none of its packages.

Each environment is the full dependency set uv resolves for that LeRobot release (what
`pip install lerobot==X` gives today); the project is then resolved with that set as constraints.
Only package metadata is fetched from PyPI (no torch wheel is downloaded). Python 3.12 is not
installed here, so uv resolves for it with --python-version.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
INDEX = "https://pypi.org/simple"  # uv ignores pip.conf: name the index
PLATFORM = "x86_64-manylinux_2_28"


def _uv() -> str:
    import uv

    return uv.find_uv_bin()


def _compile(inputs: list[str], python: str, tmp: Path, constraints: Path | None = None) -> dict[str, str]:
    out = tmp / f"out-{len(list(tmp.iterdir()))}.txt"
    cmd = [_uv(), "pip", "compile", *inputs, "--python-version", python, "--python-platform", PLATFORM]
    cmd += ["--index-url", INDEX, "--no-header", "--quiet", "-o", str(out)]
    if constraints is not None:
        cmd += ["-c", str(constraints)]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600, cwd=tmp)
    assert proc.returncode == 0, f"uv pip compile {' '.join(inputs)} failed:\n{proc.stderr[-3000:]}"
    return _pins(out.read_text())


def _pins(text: str) -> dict[str, str]:
    pins = {}
    for line in text.splitlines():
        m = re.match(r"^([A-Za-z0-9_.\-]+)(?:\[[^\]]*\])?==([^\s;]+)", line)
        if m:
            pins[re.sub(r"[-_.]+", "-", m.group(1)).lower()] = m.group(2)
    return pins


@pytest.mark.parametrize(
    ("lerobot", "python"),
    [("lerobot[dataset]==0.6.1", "3.12"), ("lerobot==0.4.4", "3.11"), ("lerobot==0.4.4", "3.12")],
)
def test_install_beside_lerobot_changes_nothing(tmp_path: Path, lerobot: str, python: str) -> None:
    spec = tmp_path / "lerobot.in"
    spec.write_text(lerobot + "\n")
    env = _compile([str(spec)], python, tmp_path)
    assert "lerobot" in env and "torch" in env and "huggingface-hub" in env
    pins = tmp_path / "env.txt"
    pins.write_text("".join(f"{name}=={version}\n" for name, version in sorted(env.items())))

    ours = _compile([str(ROOT / "pyproject.toml")], python, tmp_path, constraints=pins)

    changed = {n: (env[n], ours[n]) for n in env.keys() & ours.keys() if env[n] != ours[n]}
    assert not changed, f"installing leropilot-gl would change {changed}"
    shared = sorted(env.keys() & ours.keys())
    assert {"torch", "huggingface-hub", "numpy", "pyarrow"} <= set(shared), shared


def test_installed_alone_needs_no_lerobot(tmp_path: Path) -> None:
    ours = _compile([str(ROOT / "pyproject.toml")], "3.11", tmp_path)
    assert "lerobot" not in ours
    assert "imgui-bundle" in ours and "huggingface-hub" in ours
