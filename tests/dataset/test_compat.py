"""Which LeRobot releases read a dataset, and why; depth metadata read and kept; `info` says it all."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from leropilot_gl.dataset import open_dataset
from leropilot_gl.dataset.compat import compatibility
from leropilot_gl.dataset.journal import EditSession
from leropilot_gl.dataset.save import save
from tests.conftest import REPO_ROOT, copy_dataset
from tests.dataset.language_fixtures import add_language_columns

DEPTH_INFO = {  # the keys 0.6.1 writes for a depth camera (datasets/depth_utils.py, video_utils.py)
    "is_depth_map": True,
    "depth_unit": "mm",
    "video.depth_min": 0.1,
    "video.depth_max": 10.0,
    "video.shift": 0.0,
    "video.use_log": True,
    "video.crf": 0,
    "video.preset": "medium",
}


def test_versions_and_their_readers(real_data: Path) -> None:
    v21 = open_dataset(real_data / "datasets" / "koch_screwdriver_v2.1_novideo")
    c = compatibility(v21.info, v21.root)
    assert c.readers == "lerobot 0.1 to 0.3" and "must convert it" in c.reasons[0]
    assert "this app reads it directly" in c.reasons[0]
    v30 = open_dataset(real_data / "datasets" / "reachy2_apple_storage_v3.0_novideo")
    assert compatibility(v30.info, v30.root).readers == "lerobot >= 0.4"
    weird = {"codebase_version": "v3.0", "features": {"x": {"dtype": "complex128", "shape": [1]}}}
    c = compatibility(weird)
    assert c.readers == "no LeRobot release as it is" and "x (complex128)" in c.reasons[0]


def test_unknown_dtype_is_shown_never_a_crash(sample_av1: Path, tmp_path: Path) -> None:
    root = copy_dataset(sample_av1, tmp_path, "odd")
    info = json.loads((root / "meta/info.json").read_text())
    info["features"]["observation.mystery"] = {"dtype": "quaternion", "shape": [4], "names": None}
    (root / "meta/info.json").write_text(json.dumps(info))
    index = open_dataset(root)
    assert index.features["observation.mystery"].dtype == "quaternion"
    out = subprocess.run(
        [sys.executable, "-m", "leropilot_gl", "info", str(root)],
        capture_output=True,
        text=True,
        cwd=REPO_ROOT,
    )
    assert out.returncode == 0 and "Traceback" not in out.stderr
    assert "observation.mystery: quaternion [4]" in out.stdout
    assert "no LeRobot release knows: observation.mystery (quaternion)" in out.stdout


def test_depth_metadata_and_video_keys_read_and_kept_on_save(sample_av1: Path, tmp_path: Path) -> None:
    root = copy_dataset(sample_av1, tmp_path, "depth_meta")
    info = json.loads((root / "meta/info.json").read_text())
    cam = "observation.images.wrist"
    info["features"][cam]["info"].update(DEPTH_INFO)
    (root / "meta/info.json").write_text(json.dumps(info))
    index = open_dataset(root)
    camera = index.cameras[cam]
    assert camera.is_depth_map and camera.depth_unit == "mm"
    assert dict(camera.video_info)["video.depth_max"] == 10.0 and dict(camera.video_info)["video.use_log"]
    assert any("depth camera(s) observation.images.wrist" in r for r in compatibility(index.info).reasons)
    s = EditSession(tmp_path / "journals")
    s.attach(index)
    s.trim(root, "e0", 3, 20)
    save(s, root)
    saved = json.loads((root / "meta/info.json").read_text())["features"][cam]["info"]
    assert {k: saved[k] for k in DEPTH_INFO} == DEPTH_INFO
    assert open_dataset(root).cameras[cam].is_depth_map


def test_info_lists_annotations_tools_and_readers(sample_av1: Path, tmp_path: Path) -> None:
    root = copy_dataset(sample_av1, tmp_path, "lang06")
    add_language_columns(root)
    out = subprocess.run(
        [sys.executable, "-m", "leropilot_gl", "info", str(root)],
        capture_output=True,
        text=True,
        cwd=REPO_ROOT,
    )
    assert out.returncode == 0, out.stdout + out.stderr
    text = out.stdout
    assert "language_persistent: language [1]" in text
    assert "subtask: 6 row(s) in 3 episode(s), from language_persistent" in text
    assert "interjection: 3 row(s) in 3 episode(s), from language_events" in text
    assert "say(text): Speak a short utterance" in text
    assert "lerobot:  lerobot >= 0.6" in text and "language columns" in text
