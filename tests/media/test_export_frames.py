"""`leropilot-gl export-frames`: PNGs of the asked frames through the app's decode path; clear errors."""

from __future__ import annotations

import numpy as np
from PIL import Image

from leropilot_gl.cli import main
from tools.frame_code import read_frame_code


def test_exports_every_camera_with_the_right_frames(sample_av1, tmp_path, capsys):
    out = tmp_path / "frames"
    code = main(["export-frames", str(sample_av1), "--episode", "2", "--frames", "0,5,29", "--out", str(out)])
    assert code == 0, capsys.readouterr().out
    written = sorted(p.relative_to(out).as_posix() for p in out.rglob("*.png"))
    assert written == sorted(
        f"observation.images.{cam}/{frame}.png" for cam in ("front", "wrist") for frame in (0, 5, 29)
    )
    for cam in ("front", "wrist"):
        for frame in (0, 5, 29):
            pixels = np.asarray(Image.open(out / f"observation.images.{cam}" / f"{frame}.png"))
            assert pixels.shape == (64, 96, 3)
            assert read_frame_code(pixels) == (2, frame)


def test_one_camera_by_short_name_with_pyav(sample_h264, tmp_path):
    out = tmp_path / "frames"
    args = ["export-frames", str(sample_h264), "--episode", "1", "--frames", "7", "--camera", "top"]
    assert main([*args, "--out", str(out), "--backend", "pyav"]) == 0
    assert [p.relative_to(out).as_posix() for p in out.rglob("*.png")] == ["observation.images.top/7.png"]
    assert read_frame_code(np.asarray(Image.open(out / "observation.images.top" / "7.png"))) == (1, 7)


def test_frame_outside_the_episode_is_a_clear_error_and_writes_nothing(sample_av1, tmp_path, capsys):
    out = tmp_path / "frames"
    code = main(["export-frames", str(sample_av1), "--episode", "0", "--frames", "3,30", "--out", str(out)])
    text = capsys.readouterr().out
    assert code == 2
    assert "frame(s) 30 outside episode 0" in text and "0..29" in text
    assert not out.exists()
    assert main(["export-frames", str(sample_av1), "--episode", "9", "--frames", "0", "--out", str(out)]) == 2
    assert "episode 9 is not in the dataset" in capsys.readouterr().out
    assert main(["export-frames", str(sample_av1), "--episode", "0", "--frames", "x", "--out", str(out)]) == 2
    assert (
        main(
            [
                "export-frames",
                str(sample_av1),
                "--episode",
                "0",
                "--frames",
                "1",
                "--camera",
                "nope",
                "--out",
                str(out),
            ]
        )
        == 2
    )
    assert "no camera 'nope'" in capsys.readouterr().out
    assert not out.exists()


def test_missing_video_is_reported_and_other_frames_written(real_data, tmp_path, capsys):
    root = real_data / "datasets" / "gr00t_pnp_sim_v2.0"
    out = tmp_path / "frames"
    code = main(["export-frames", str(root), "--episode", "0", "--frames", "0,10", "--out", str(out)])
    text = capsys.readouterr().out
    assert code == 1  # one declared camera has no files
    assert "observation.images.egoview frame 0: video file missing" in text
    assert sorted(p.name for p in (out / "observation.images.ego_view").iterdir()) == ["0.png", "10.png"]


def test_one_frame_does_not_import_torch(sample_av1, tmp_path):
    """A headless command that needs a frame or two never pays for torch (seconds, ~1 GB RSS)."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    repo = Path(__file__).resolve().parents[2]
    script = (
        "import sys, resource\n"
        "from leropilot_gl.cli import main\n"
        f"rc = main(['export-frames', {str(sample_av1)!r}, '--episode', '1', '--frames', '4', "
        f"'--out', {str(tmp_path / 'out')!r}])\n"
        "print('rc', rc, 'torch', 'torch' in sys.modules, 'rss_mb', "
        "resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024)\n"
    )
    env = dict(os.environ, PYTHONPATH=str(repo))
    env.pop("LEROPILOT_VIDEO_BACKEND", None)
    result = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=600
    )
    last = result.stdout.strip().splitlines()[-1]
    print(last)
    words = last.split()
    assert words[:4] == ["rc", "0", "torch", "False"], result.stdout + result.stderr
    front = tmp_path / "out" / "observation.images.front" / "4.png"
    assert read_frame_code(np.asarray(Image.open(front))) == (1, 4)
