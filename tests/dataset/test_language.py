"""Language columns (LeRobot 0.6) and subtasks (0.4.4): open, play, save (trimmed), re-open."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest

from leropilot_gl.dataset import open_dataset
from leropilot_gl.dataset.compat import compatibility
from leropilot_gl.dataset.journal import EditSession
from leropilot_gl.dataset.save import save
from leropilot_gl.media import PyAVDecoder
from tests.conftest import REPO_ROOT, copy_dataset
from tests.dataset.language_fixtures import (
    SUBTASK_NAMES,
    add_language_columns,
    add_subtasks_044,
    event_rows_by_frame,
    persistent_rows,
    subtask_of,
)
from tests.dataset.test_save_helpers import assert_lerobot_exact, source_rows
from tools.frame_code import read_frame_code

EXTRA_INFO = {"x_annotation_run": {"model": "some-vlm", "date": "2026-08-01"}}


@pytest.fixture
def lang06(sample_av1: Path, tmp_path: Path) -> Path:
    root = copy_dataset(sample_av1, tmp_path, "lang06")
    add_language_columns(root, extra_info=EXTRA_INFO)
    return root


def _track(layers, name):
    return next(t for t in layers.tracks if t.name == name)


def _data_rows(root: Path, columns: list[str]) -> list[dict]:
    rows = []
    for path in sorted((root / "data").rglob("*.parquet")):
        rows += pq.read_table(path, columns=columns).to_pylist()
    return rows


def test_language_columns_open_as_tracks(lang06: Path) -> None:
    index = open_dataset(lang06)
    assert index.features["language_persistent"].dtype == "language"
    assert not [p for p in index.problems if "language" in p.message]
    fps = index.fps
    layers = index.language[1]
    subtask = _track(layers, "subtask")
    assert subtask.kind == "span"
    assert [(r.content, r.start_s, r.end_s) for r in subtask.rows] == [
        ("reach the cube (ep 1)", 0.0, pytest.approx(12 / fps)),
        ("grasp it (ep 1)", pytest.approx(12 / fps), pytest.approx(30 / fps)),
    ]
    assert _track(layers, "memory").rows[0].start_s == pytest.approx(20 / fps)
    inter = _track(layers, "interjection")
    assert inter.kind == "event" and inter.rows[0].start_s == pytest.approx(5 / fps)
    assert inter.rows[0].role == "user" and inter.rows[0].content == "use the left cube (ep 1)"
    speech = _track(layers, "speech")
    assert speech.rows[0].start_s == pytest.approx(8 / fps) and '"say"' in speech.rows[0].text
    compat = compatibility(index.info, index.root)
    assert compat.readers == "lerobot >= 0.6"
    assert any("language columns" in r for r in compat.reasons)
    assert any("'tools'" in r for r in compat.reasons)


def test_play_language_dataset_frame_exact(lang06: Path) -> None:
    """The added columns change nothing of where frames are: every camera frame carries its code."""
    index = open_dataset(lang06)
    for ep in index.episodes:
        for key, video in ep.videos.items():
            decoder = PyAVDecoder(video.path)
            try:
                for i in (0, 5, ep.length - 1):
                    frame = decoder.get_frame(round((video.from_s + i / index.fps) * index.cameras[key].fps))
                    assert read_frame_code(frame[..., :3]) == (ep.episode_index, i)
            finally:
                decoder.close()


def test_save_trim_keeps_language_tools_and_unknown_keys(lang06: Path, tmp_path: Path) -> None:
    before = open_dataset(lang06)
    fps = before.fps
    src_events = {ep: event_rows_by_frame(ep) for ep in range(3)}
    s = EditSession(tmp_path / "journals")
    s.attach(before)
    s.trim(lang06, "e1", 4, 25)  # cuts before the interjection (5) and past the 2nd subtask (12)
    s.trim(lang06, "e2", 15, 30)  # starts after the 2nd subtask began and after both events
    s.delete(lang06, ["e0"])
    save(s, lang06)

    info = json.loads((lang06 / "meta/info.json").read_text())
    assert info["tools"][0]["function"]["name"] == "say"
    assert info["x_annotation_run"] == EXTRA_INFO["x_annotation_run"]
    assert info["features"]["language_events"]["dtype"] == "language"
    rows = _data_rows(lang06, ["episode_index", "frame_index", "language_persistent", "language_events"])
    assert len(rows) == 21 + 15
    for row in rows:
        ep, i = row["episode_index"], row["frame_index"]
        src_ep, start = (1, 4) if ep == 0 else (2, 15)
        # events sit on their frame: the kept frame shows the source frame's events
        expected_events = src_events[src_ep].get(start + i, [])
        assert row["language_events"] == expected_events
        # persistent rows: timestamps rebased to the cut; the one active at the cut starts at 0
        t0 = start / fps
        kept = [r for r in persistent_rows(src_ep, fps) if r["timestamp"] > t0 + 1e-6 or r["style"] == "plan"]
        active = max(
            (
                r
                for r in persistent_rows(src_ep, fps)
                if r["style"] == "subtask" and r["timestamp"] <= t0 + 1e-6
            ),
            key=lambda r: r["timestamp"],
        )
        got = {(r["style"], r["content"]): r["timestamp"] for r in row["language_persistent"]}
        assert got[(active["style"], active["content"])] == 0.0
        for r in kept:
            if r["style"] == "memory" and r["timestamp"] > (start + (21 if ep == 0 else 15) - 1) / fps:
                continue
            want = max(0.0, r["timestamp"] - t0)
            assert got[(r["style"], r["content"])] == pytest.approx(want, abs=1e-5), (ep, r)
    # one row group per episode, as 0.6 writes it
    assert sum(pq.ParquetFile(p).num_row_groups for p in (lang06 / "data").rglob("*.parquet")) == 2

    after = open_dataset(lang06)
    assert not [p for p in after.problems if p.severity.name == "ERROR"]
    ep0 = after.language[0]
    assert [r.content for r in _track(ep0, "subtask").rows] == ["reach the cube (ep 1)", "grasp it (ep 1)"]
    assert _track(ep0, "interjection").rows[0].start_s == pytest.approx(1 / fps)
    assert [r.content for r in _track(after.language[1], "subtask").rows] == ["grasp it (ep 2)"]
    assert "interjection" not in [t.name for t in after.language[1].tracks]
    # the trimmed frames still decode to their source codes
    test_play_like = after.episodes[1]
    video = next(iter(test_play_like.videos.values()))
    decoder = PyAVDecoder(video.path)
    try:
        frame = decoder.get_frame(round(video.from_s * after.fps))
        assert read_frame_code(frame[..., :3]) == (2, 15)
    finally:
        decoder.close()


def test_cli_edit_of_language_dataset_gives_no_traceback(lang06: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "leropilot_gl", "edit", str(lang06), "--delete", "0", "--save"],
        capture_output=True,
        text=True,
        cwd=REPO_ROOT,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr
    assert open_dataset(lang06).language[0].tracks


def test_subtasks_044_shown_saved_and_loaded_by_lerobot_044(sample_av1: Path, tmp_path: Path) -> None:
    root = copy_dataset(sample_av1, tmp_path, "subtasks")
    add_subtasks_044(root)
    index = open_dataset(root)
    assert not [p for p in index.problems if "subtasks" in p.message]
    track = _track(index.language[0], "subtask")
    assert [(r.content, round(r.start_s * 30), round(r.end_s * 30)) for r in track.rows] == [
        ("approach", 0, 10),
        ("grasp", 10, 20),
        ("lift", 20, 30),
    ]
    assert compatibility(index.info, root).readers == "lerobot >= 0.4"
    rows = source_rows(root)

    s = EditSession(tmp_path / "journals")
    s.attach(index)
    s.trim(root, "e0", 12, 30)
    s.move(root, "e2", 0)
    save(s, root)

    saved = _data_rows(root, ["episode_index", "frame_index", "subtask_index"])
    names = [r["__index_level_0__"] for r in pq.read_table(root / "meta/subtasks.parquet").to_pylist()]
    for row in saved:
        src_ep, start = {0: (2, 0), 1: (0, 12), 2: (1, 0)}[row["episode_index"]]
        assert names[row["subtask_index"]] == SUBTASK_NAMES[subtask_of(start + row["frame_index"])]
    assert_lerobot_exact(root, [(2, 0, 30, rows[2]), (0, 12, 30, rows[0]), (1, 0, 30, rows[1])])
    from lerobot.datasets.lerobot_dataset import LeRobotDataset

    dataset = LeRobotDataset("local/subtasks", root=root)
    assert dataset[30]["subtask"] == "grasp" and dataset[30 + 8]["subtask"] == "lift"
    assert np.asarray(open_dataset(root).episodes[1].column("subtask_index")).min() >= 0
