"""The doctor flags a fast-saved dataset (video files with episodes out of order) and suggests
Compact; after Compact the finding is gone. Also the `doctor` command prints it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from leropilot_gl.dataset import EditSession, open_dataset, save
from leropilot_gl.dataset.compact import compact
from leropilot_gl.dataset.problems import Severity
from leropilot_gl.quality import run_doctor
from leropilot_gl.quality.video_order import KIND, MESSAGE
from tests.conftest import REPO_ROOT, copy_dataset


def _order_findings(root: Path) -> list:
    report = run_doctor(open_dataset(root), pixels=False, use_cache=False)
    return [f for f in report.findings if f.kind == KIND]


def test_fast_save_is_flagged_until_compacted(sample_uneven: Path, tmp_path: Path) -> None:
    root = copy_dataset(sample_uneven, tmp_path, "uneven")
    assert _order_findings(root) == []
    s = EditSession(tmp_path / "journals")
    s.attach(open_dataset(root))
    s.swap(root, "e0", "e3")
    save(s, root, fast=True)

    found = _order_findings(root)
    cameras = open_dataset(root).video_keys
    assert len(found) == len(cameras), found
    assert {f.camera for f in found} == set(cameras)
    for f in found:
        assert f.severity is Severity.WARNING and f.episode_index is None
        assert MESSAGE in f.message and f.fix == {"action": "compact"} and f.group == "video"

    out = subprocess.run(
        [sys.executable, "-m", "leropilot_gl", "doctor", str(root), "--no-pixels"],
        capture_output=True,
        text=True,
        cwd=REPO_ROOT,
    )
    assert "would return wrong frames: compact it" in out.stdout, out.stdout + out.stderr

    compact(s, root)
    assert _order_findings(root) == []
