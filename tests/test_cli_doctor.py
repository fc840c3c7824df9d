"""`leropilot-gl doctor`: table, JSON, --fail-on exit codes, --fix-trims through the edit journal."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from leropilot_gl.dataset import open_dataset
from tests.conftest import REPO_ROOT, copy_dataset, tree_checksum
from tests.quality import defects as D
from tests.quality.conftest import defects_dataset  # noqa: F401  # the fixture

SAMPLE = REPO_ROOT / "leropilot_gl" / "assets" / "sample" / "so101_sample"


def doctor(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "leropilot_gl", "doctor", *args],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=REPO_ROOT,
    )


def test_json_and_fail_on(defects_dataset: Path) -> None:  # noqa: F811
    out = doctor(str(defects_dataset), "--json", "--fail-on", "warning")
    assert out.returncode == 1, out.stdout + out.stderr
    findings = json.loads(out.stdout)
    kinds = {(f["kind"], f["episode_index"]) for f in findings}
    assert ("idle_start", D.IDLE) in kinds and ("black_frames", D.BLACK) in kinds
    first = next(f for f in findings if f["kind"] == "idle_start")
    assert set(first) >= {"kind", "severity", "episode_index", "frame_start", "frame_end", "message", "fix"}
    assert first["fix"]["action"] == "trim"
    # no errors planted in the dataset as generated: --fail-on error passes
    assert doctor(str(defects_dataset), "--fail-on", "error").returncode == 0


def test_table_on_the_clean_sample() -> None:
    out = doctor(str(SAMPLE), "--fail-on", "warning")
    assert out.returncode == 0, out.stdout + out.stderr
    assert "no findings" in out.stdout
    again = doctor(str(SAMPLE), "--episodes", "0-1")
    assert again.returncode == 0 and "from cache" in again.stdout and "0 frames decoded" in again.stdout


def test_bad_input_is_one_line() -> None:
    for args in (
        ["/nonexistent/folder"],
        [str(SAMPLE), "--episodes", "x"],
        [str(SAMPLE), "--episodes", "99"],
        [str(SAMPLE), "--threshold", "nope=1"],
        [str(SAMPLE), "--fix-trims"],
    ):
        out = doctor(*args)
        assert out.returncode == 2, args
        assert out.stdout.startswith("error: ") and "Traceback" not in out.stdout + out.stderr


def test_fix_trims_dry_run_then_save(defects_dataset: Path, tmp_path: Path) -> None:  # noqa: F811
    root = copy_dataset(defects_dataset, tmp_path)
    before = tree_checksum(root)
    dry = doctor(str(root), "--episodes", str(D.IDLE), "--fix-trims", "--dry-run")
    assert dry.returncode == 0, dry.stdout + dry.stderr
    assert "would change (nothing written)" in dry.stdout and "trim" in dry.stdout
    assert tree_checksum(root) == before
    done = doctor(str(root), "--episodes", str(D.IDLE), "--fix-trims", "--save")
    assert done.returncode == 0, done.stdout + done.stderr
    index = open_dataset(root)
    keep = 3  # idle_keep_s 0.1 s at 30 fps
    assert index.episode(D.IDLE).length == (D.IDLE_END_FROM + keep) - (D.IDLE_START_FRAMES - keep)
    assert index.episode(D.CLEAN).length == D.LENGTH
    after = doctor(str(root), "--episodes", str(D.IDLE), "--json")
    left = [f for f in json.loads(after.stdout) if f["episode_index"] == D.IDLE]
    assert not [f for f in left if f["kind"] in ("idle_start", "idle_end")], left
