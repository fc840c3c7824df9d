"""`leropilot-gl` itself: the README's launch command renders offscreen; no display is a clear error."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
from PIL import Image

from tests.conftest import tree_checksum


def run_cli(
    *args: str, env: dict | None = None, python_flags: tuple[str, ...] = ()
) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, *python_flags, "-m", "leropilot_gl", *args],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
    )


def test_offscreen_launch_on_the_bundled_sample(tmp_path):
    from leropilot_gl.app import SAMPLE_DATASET

    before = tree_checksum(SAMPLE_DATASET)
    shot = tmp_path / "window.png"
    env = dict(os.environ, XDG_CONFIG_HOME=str(tmp_path / "config"))
    env.pop("LEROPILOT_VIDEO_BACKEND", None)
    # -X importtime lists every module imported: the window and its first video frames (the
    # offscreen run exits once every tile shows one) never wait for torch on a CPU machine.
    out = run_cli("--offscreen", str(shot), env=env, python_flags=("-X", "importtime"))
    assert out.returncode == 0, out.stderr[-2000:]
    imported = {line.rsplit("|", 1)[-1].strip() for line in out.stderr.splitlines() if "|" in line}
    assert "av" in imported and "imgui_bundle" in imported
    from leropilot_gl.media.decoders import cuda_driver_present

    if not cuda_driver_present():  # with a GPU driver, torch loads beside PyAV for CUDA decoding
        assert "torch" not in imported and "torchcodec" not in imported
    image = np.asarray(Image.open(shot).convert("RGB")).astype(int)
    assert image.shape[0] > 400 and image.shape[1] > 600
    assert image.std() > 20
    assert tree_checksum(SAMPLE_DATASET) == before
    assert not (tmp_path / "config" / "leropilot-gl" / "layout.ini").exists()  # offscreen keeps no layout


def test_offscreen_on_a_folder_that_is_no_dataset(tmp_path):
    out = run_cli("--offscreen", str(tmp_path / "w.png"), str(tmp_path))
    assert out.returncode == 1
    assert "no meta/info.json" in out.stderr and "Traceback" not in out.stderr


def test_no_display_is_a_clear_error():
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    out = run_cli(env=env)
    assert out.returncode == 2
    assert "no display" in out.stderr and "--offscreen" in out.stderr
    assert "Traceback" not in out.stderr
