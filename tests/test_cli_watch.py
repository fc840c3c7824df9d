"""`leropilot-gl watch PATH [--json]` while LeRobot records into the dataset from another process."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.conftest import REPO_ROOT, copy_dataset


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "leropilot_gl", *args],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=REPO_ROOT,
    )


def test_watch_json_prints_each_new_episode_once(sample_av1: Path, tmp_path: Path) -> None:
    root = copy_dataset(sample_av1, tmp_path, "cli_recording")
    watch = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "leropilot_gl",
            "watch",
            str(root),
            "--json",
            "--count",
            "2",
            "--timeout",
            "400",
        ],
        cwd=REPO_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert watch.stdout is not None
    first = json.loads(watch.stdout.readline())
    assert first == {"event": "watching", "dataset": str(root.resolve()), "episodes": 3}
    recorder = subprocess.Popen(
        [sys.executable, "-m", "tests.record_more", str(root), "2", "--frames", "15", "--pause", "1"],
        cwd=REPO_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    out, err = watch.communicate(timeout=500)
    assert recorder.wait(timeout=300) == 0, recorder.stderr.read() if recorder.stderr else ""
    assert watch.returncode == 0, err
    assert "Traceback" not in err
    lines = [json.loads(line) for line in out.splitlines()]
    assert [(e["event"], e["episode_index"]) for e in lines] == [
        ("new", 3),
        ("new", 4),
        ("ready", 3),
        ("ready", 4),
    ]
    for e in lines:
        assert e["length"] == 15
        assert e["tasks"] == ["Record one more episode."]
        assert e["dataset"] == str(root.resolve())
    assert lines[0]["data"] == "pending" and lines[0]["problems"] == [
        "recording: data pending (the recorder has not closed the data file yet)"
    ]
    assert lines[2]["data"] == "readable" and lines[2]["problems"] == []


def test_watch_text_and_bad_input(sample_av1: Path, tmp_path: Path) -> None:
    out = run_cli("watch", str(tmp_path / "missing"))
    assert (
        out.returncode == 2
        and out.stdout.strip()
        == f"error: {tmp_path / 'missing'} is not a folder: expected a LeRobot dataset folder"
    )
    out = run_cli("watch", str(tmp_path))
    assert out.returncode == 2 and "has no meta/info.json: start the recording first" in out.stdout
    out = run_cli("watch", str(sample_av1), "--count", "0")
    assert out.returncode == 2 and out.stdout.strip() == "error: --count must be at least 1"
    out = run_cli("watch", str(sample_av1), "--timeout", "1")
    assert out.returncode == 0
    assert out.stdout.strip() == f"watching {sample_av1.resolve()} (3 episodes); Ctrl+C to stop"
    assert "Traceback" not in out.stdout + out.stderr


def test_watch_a_new_recording_from_its_first_episode(tmp_path: Path) -> None:
    """lerobot-record making a new dataset: nothing is readable until finalize(), every episode is
    still printed as it lands."""
    root = tmp_path / "fresh"
    start, go = tmp_path / "start-now", tmp_path / "finalize-now"
    recorder = subprocess.Popen(
        [sys.executable, "-m", "tests.record_more", str(root), "2", "--frames", "12", "--pause", "2"]
        + ["--start-after", str(start), "--finalize-after", str(go)],
        cwd=REPO_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert recorder.stdout is not None
    assert recorder.stdout.readline().startswith("resumed 0 ")  # the dataset folder exists now
    watch = subprocess.Popen(
        [sys.executable, "-m", "leropilot_gl", "watch", str(root), "--count", "2", "--timeout", "400"],
        cwd=REPO_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert watch.stdout is not None
    assert watch.stdout.readline().strip() == f"watching {root.resolve()} (0 episodes); Ctrl+C to stop"
    start.touch()
    pending = " new: 12 frames, 'Record one more episode.', recording: data pending"
    assert watch.stdout.readline().strip().startswith("episode 0" + pending)
    assert watch.stdout.readline().strip().startswith("episode 1" + pending)
    go.touch()
    out, err = watch.communicate(timeout=500)
    assert recorder.wait(timeout=300) == 0, recorder.stderr.read() if recorder.stderr else ""
    assert watch.returncode == 0 and "Traceback" not in err, err
    assert out.strip().splitlines() == [
        "episode 0 ready: 12 frames, 'Record one more episode.', no problems",
        "episode 1 ready: 12 frames, 'Record one more episode.', no problems",
    ]
