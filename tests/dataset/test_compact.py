"""Compact: canonical mp4s (episodes in order, no overlap) that LeRobot's own tools handle exactly."""

from __future__ import annotations

from pathlib import Path

import pytest

from leropilot_gl.dataset import EditError, EditSession, open_dataset, save
from leropilot_gl.dataset.compact import compact
from tests.conftest import copy_dataset
from tests.dataset.test_save_helpers import assert_lerobot_exact, source_rows


def test_compact_then_lerobot_delete_and_split_are_exact(sample_uneven: Path, tmp_path: Path) -> None:
    root = copy_dataset(sample_uneven, tmp_path, "uneven")
    rows = source_rows(root)
    s = EditSession(tmp_path / "journals")
    s.attach(open_dataset(root))
    s.move(root, "e3", 0)
    dup = s.duplicate(root, "e0")
    s.trim(root, dup, 4, 16)  # starts on a keyframe (AV1 written with a keyframe every 2 frames)
    s.trim(root, "e1", 5, 40)  # does not: that segment is re-encoded
    s.delete(root, ["e2"])
    with pytest.raises(EditError, match="pending edits"):
        compact(s, root)
    assert save(s, root, fast=True).needs_compact  # a fast save leaves the videos as they were
    old_videos = {p.relative_to(root) for p in root.rglob("*.mp4")}
    result = compact(s, root)
    new_videos = {p.relative_to(root) for p in root.rglob("*.mp4")}
    assert not old_videos & new_videos, "a path must never name different bytes (players cache by path)"
    assert result.segments_reencoded == 2 and result.segments_remuxed == 6, result.summary()
    expected = [(3, 0, 33, rows[3]), (0, 0, 20, rows[0]), (0, 4, 16, rows[0]), (1, 5, 40, rows[1])]
    assert_lerobot_exact(root, expected)
    # Each file now holds its episodes in order, without overlap.
    index = open_dataset(root)
    for key in index.video_keys:
        by_file: dict[Path, list[tuple[float, float]]] = {}
        for ep in index.episodes:
            by_file.setdefault(ep.videos[key].path, []).append((ep.videos[key].from_s, ep.videos[key].to_s))
        for ranges in by_file.values():
            assert all(b[0] >= a[1] - 1e-6 for a, b in zip(ranges, ranges[1:], strict=False)), ranges

    from lerobot.datasets.dataset_tools import delete_episodes, split_dataset
    from lerobot.datasets.lerobot_dataset import LeRobotDataset

    dataset = LeRobotDataset("local/compacted", root=root)
    delete_episodes(dataset, [1], output_dir=tmp_path / "deleted", repo_id="local/deleted")
    assert_lerobot_exact(tmp_path / "deleted", [expected[0], *expected[2:]], check_stats=False)
    split_dataset(dataset, {"a": [0, 2], "b": [1, 3]}, output_dir=tmp_path / "split")
    assert_lerobot_exact(tmp_path / "split" / "a", [expected[0], expected[2]], check_stats=False)
    assert_lerobot_exact(tmp_path / "split" / "b", [expected[1], expected[3]], check_stats=False)
