"""`leropilot-gl info`: real datasets, bad folders, never a traceback."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

SHARED = (Path(__file__).resolve().parent / "data" / "datasets").resolve()


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "leropilot_gl", *args], capture_output=True, text=True, timeout=120
    )


def test_info_on_real_datasets():
    out = run_cli("info", str(SHARED / "reachy2_apple_storage_v3.0_novideo"))
    assert out.returncode == 0, out.stderr
    assert "version:  v3.0" in out.stdout
    assert "episodes: 3 (899 frames)" in out.stdout
    assert "total_frames=14983" in out.stdout
    assert "observation.image: video, h264, 960x720" in out.stdout
    out = run_cli("info", str(SHARED / "koch_screwdriver_v2.1_novideo"))
    assert out.returncode == 0
    assert "shoulder_pan.pos" in out.stdout and "screwdriver.vel" in out.stdout


def test_info_on_bad_folders(tmp_path):
    out = run_cli("info", str(tmp_path))
    assert out.returncode != 0
    assert "no meta/info.json" in out.stdout
    assert "Traceback" not in out.stdout + out.stderr
    (tmp_path / "meta").mkdir()
    (tmp_path / "meta" / "info.json").write_text(json.dumps({"codebase_version": "v9.9", "fps": 30}))
    out = run_cli("info", str(tmp_path))
    assert out.returncode != 0 and "v9.9" in out.stdout and "not supported" in out.stdout
    assert len(out.stdout.strip().splitlines()) == 1
