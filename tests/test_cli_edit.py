"""`leropilot-gl edit`: operations from the command line, --dry-run, --save, refusals."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from leropilot_gl.dataset import open_dataset
from tests.conftest import REPO_ROOT, copy_dataset, tree_checksum
from tests.dataset.test_save_helpers import assert_lerobot_exact, other_dataset, source_rows


def edit(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "leropilot_gl", "edit", *args],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=REPO_ROOT,
    )


def test_edit_dry_run_then_save(sample_uneven: Path, tmp_path: Path) -> None:
    root = copy_dataset(sample_uneven, tmp_path, "uneven")
    other = copy_dataset(other_dataset(), tmp_path, "other")
    rows, other_rows = source_rows(root), source_rows(other)
    before = tree_checksum(root), tree_checksum(other)
    ops = ["--delete", "2", "--trim", "1:5:40", "--duplicate", "3", "--move-to", f"{other}:0"]

    dry = edit(str(root), *ops, "--dry-run")
    assert dry.returncode == 0, dry.stdout + dry.stderr
    assert "would change (nothing written)" in dry.stdout
    assert "delete episode(s) 0, 2" in dry.stdout  # episode 0 leaves for the other dataset
    assert "new episode 2 = a copy of episode 3 (33 frames)" in dry.stdout
    assert "new episode 2 = episode 0 of uneven (20 frames)" in dry.stdout
    assert (tree_checksum(root), tree_checksum(other)) == before

    done = edit(str(root), *ops, "--save")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "will change:" in done.stdout and "changed:" in done.stdout
    assert "saved uneven: 3 episodes, 101 frames" in done.stdout
    assert "saved other: 3 episodes, 70 frames" in done.stdout
    assert_lerobot_exact(root, [(1, 5, 40, rows[1]), (3, 0, 33, rows[3]), (3, 0, 33, rows[3])])
    assert [(e.length) for e in open_dataset(other).episodes] == [25, 25, 20]
    assert_lerobot_exact(other, [(0, 0, 25, other_rows[0]), (1, 0, 25, other_rows[1]), (0, 0, 20, rows[0])])


def test_edit_refusals_change_nothing(sample_uneven: Path, sample_h264: Path, tmp_path: Path) -> None:
    root = copy_dataset(sample_uneven, tmp_path, "uneven")
    h264 = copy_dataset(sample_h264, tmp_path, "h264")
    before = tree_checksum(root), tree_checksum(h264)
    cases = [
        (["--delete", "7", "--save"], "episode 7 does not exist in uneven (episodes on disk: 0..3)"),
        (["--trim", "2:0:13", "--save"], "outside episode 2"),
        (["--trim", "2:5", "--save"], "--trim expects E:START:END"),
        (["--delete", "0", "1", "2", "3", "--save"], "delete every episode"),
        (["--copy-to", f"{h264}:1", "--save"], "do not match"),
        ([], "no operation given"),
    ]
    for args, message in cases:
        out = edit(str(root), *args)
        assert out.returncode == 2, (args, out.stdout, out.stderr)
        assert message in out.stdout, (args, out.stdout)
        assert "Traceback" not in out.stdout + out.stderr
    missing = edit(str(tmp_path / "nowhere"), "--delete", "1")
    assert missing.returncode == 2 and "is not a folder" in missing.stdout
    assert (tree_checksum(root), tree_checksum(h264)) == before
