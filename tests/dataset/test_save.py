"""Save: edits written as LeRobot v3.0 without re-encoding, checked frame by frame through LeRobot."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from leropilot_gl.dataset import open_dataset
from leropilot_gl.dataset.compact import video_order_warnings
from leropilot_gl.dataset.journal import EditError, EditSession, journal_path, meta_fingerprint
from leropilot_gl.dataset.lock import DatasetLock, DatasetLockedError, is_locked
from leropilot_gl.dataset.save import plan_save, save, save_all
from tests.conftest import REPO_ROOT, copy_dataset, tree_checksum
from tests.dataset.test_save_helpers import (
    assert_lerobot_exact,
    assert_lerobot_tools_exact,
    other_dataset,
    source_rows,
)

HOLD_LOCK = """
import sys, time
from leropilot_gl.dataset.lock import DatasetLock
DatasetLock(sys.argv[1]).acquire()
print("held", flush=True)
time.sleep(60)
"""


@pytest.fixture(scope="module")
def other() -> Path:
    return other_dataset()


def _mp4_inodes(root: Path) -> set[int]:
    return {p.stat().st_ino for p in root.rglob("*.mp4")}


def _every_operation(tmp_path: Path, root: Path, donor: Path) -> EditSession:
    """Every operation on root (with a copy from donor), with undo and redo among them."""
    s = EditSession(tmp_path / "journals")
    s.attach(open_dataset(root))
    s.attach(open_dataset(donor))
    s.delete(root, ["e2"])
    s.trim(root, "e1", 5, 40)
    s.move(root, "e3", 0)
    dup = s.duplicate(root, "e0")
    s.trim(root, dup, 4, 16)
    s.copy(donor, ["e1"], root, position=1)
    s.carve(root, "e3", [(2, 9), (30, 33)])
    s.swap(root, "e0", "e1")
    s.undo()  # the swap
    s.undo()  # the carve
    s.redo()  # the carve again; the swap stays undone
    s.delete(root, ["e0"])
    s.restore(root, ["e0"])
    return s


def _every_operation_expected(rows: dict, donor_rows: dict) -> list:
    return [
        (3, 0, 33, rows[3]),
        (3, 2, 9, rows[3]),
        (3, 30, 33, rows[3]),
        (1, 0, 25, donor_rows[1]),
        (0, 0, 20, rows[0]),
        (0, 4, 16, rows[0]),
        (1, 5, 40, rows[1]),
    ]


def test_every_operation_saved_by_default_is_canonical_for_lerobots_tools(
    sample_uneven: Path, other: Path, tmp_path: Path
) -> None:
    """The default save puts the video files in episode order: LeRobot's own delete_episodes and
    split_dataset on the result return exact frames, and nothing flags it."""
    root = copy_dataset(sample_uneven, tmp_path, "uneven")
    donor = copy_dataset(other, tmp_path, "donor")
    rows, donor_rows = source_rows(root), source_rows(donor)
    s = _every_operation(tmp_path, root, donor)
    plan = plan_save(s, root)
    assert plan.needs_compact and any("rewritten in episode order" in line for line in plan.lines)
    result = save(s, root)
    assert result.compacted is not None and not result.needs_compact, result.summary()
    assert "put in episode order" in result.summary()
    expected = _every_operation_expected(rows, donor_rows)
    assert_lerobot_exact(root, expected)
    assert not video_order_warnings(open_dataset(root))
    assert s.journal(root).fingerprint == meta_fingerprint(root)  # the session holds the compacted one
    assert_lerobot_tools_exact(root, expected, tmp_path)
    assert not list(tmp_path.glob(".*leropilot-save*"))


def test_every_operation_combined_loads_exactly_in_lerobot(
    sample_uneven: Path, other: Path, tmp_path: Path
) -> None:
    root = copy_dataset(sample_uneven, tmp_path, "uneven")
    donor = copy_dataset(other, tmp_path, "donor")
    rows, donor_rows = source_rows(root), source_rows(donor)
    inodes_before = _mp4_inodes(root) | _mp4_inodes(donor)
    donor_before = tree_checksum(donor)

    s = _every_operation(tmp_path, root, donor)

    plan = plan_save(s, root)
    assert plan.lines[0] == "delete episode(s) 2"
    assert "new episode 3 = episode 1 of donor (25 frames)" in plan.lines
    result = save(s, root, fast=True)  # a fast save: no mp4 is written

    expected = _every_operation_expected(rows, donor_rows)
    assert (result.episodes, result.frames) == (7, sum(e - b for _, b, e, _ in expected))
    assert_lerobot_exact(root, expected)
    # No mp4 was written: every video in the result is a hard link of a source file.
    assert _mp4_inodes(root) <= inodes_before and result.videos_copied == 0
    assert tree_checksum(donor) == donor_before
    # Reordered and duplicated ranges are not canonical: a fast save says so (Compact fixes it).
    assert result.needs_compact and "Compact" in result.summary()
    assert video_order_warnings(open_dataset(root)), "a fast save's result is flagged (info, doctor)"
    # The journal is done; the session now shows the saved dataset.
    assert not journal_path(s.journal_dir, root).exists()
    assert [e.length for e in s.episodes(root)] == [33, 7, 3, 25, 20, 12, 35]
    assert not list(tmp_path.glob(".*leropilot-save*"))


def test_move_between_datasets_saves_both_in_order(sample_av1: Path, other: Path, tmp_path: Path) -> None:
    a = copy_dataset(sample_av1, tmp_path, "a")
    b = copy_dataset(other, tmp_path, "b")
    a_rows, b_rows = source_rows(a), source_rows(b)
    s = EditSession(tmp_path / "journals")
    s.attach(open_dataset(a))
    s.attach(open_dataset(b))
    s.copy(a, ["e1"], b, move=True)
    s.trim(b, "e0", 0, 10)
    with pytest.raises(EditError, match="save those first"):
        save(s, a)
    results = save_all(s)
    assert [r.root.name for r in results] == ["b", "a"]
    assert not results[1].needs_compact, "deleting an episode keeps the files canonical"
    b_expected = [(0, 0, 10, b_rows[0]), (1, 0, 25, b_rows[1]), (1, 0, 30, a_rows[1])]
    assert_lerobot_exact(b, b_expected)
    assert_lerobot_exact(a, [(0, 0, 30, a_rows[0]), (2, 0, 30, a_rows[2])])
    assert_lerobot_tools_exact(b, b_expected, tmp_path)


def test_split_and_merge_write_new_datasets(sample_av1: Path, other: Path, tmp_path: Path) -> None:
    a = copy_dataset(sample_av1, tmp_path, "a")
    b = copy_dataset(other, tmp_path, "b")
    a_rows, b_rows = source_rows(a), source_rows(b)
    s = EditSession(tmp_path / "journals")
    s.attach(open_dataset(a))
    s.attach(open_dataset(b))
    merged = s.create_empty(tmp_path / "merged", a)
    s.merge(merged, [b, a])
    s.delete(merged, [s.episodes(merged)[1].uid])
    train, val = s.split(a, {"train": 2 / 3, "val": 1 / 3}, tmp_path / "splits")
    with pytest.raises(EditError, match="no episodes"):
        save(s, s.create_empty(tmp_path / "empty", a))
    s.undo()  # the creation of "empty": it is no longer pending
    assert tmp_path / "empty" not in s.dirty_roots()
    results = save_all(s)
    assert sorted(r.root.name for r in results) == ["merged", "train", "val"]
    merged_expected = [(0, 0, 25, b_rows[0]), *[(i, 0, 30, a_rows[i]) for i in range(3)]]
    assert_lerobot_exact(merged, merged_expected)
    assert_lerobot_tools_exact(merged, merged_expected, tmp_path)
    assert [e.length for e in open_dataset(train).episodes] == [30, 30]
    assert_lerobot_exact(val, [(2, 0, 30, a_rows[2])])
    assert not s.dirty_roots()


def test_save_refuses_while_locked_or_changed_on_disk(sample_av1: Path, tmp_path: Path) -> None:
    root = copy_dataset(sample_av1, tmp_path, "a")
    s = EditSession(tmp_path / "journals")
    s.attach(open_dataset(root))
    s.delete(root, ["e0"])
    before = tree_checksum(root)
    with DatasetLock(root):
        assert is_locked(root)
        with pytest.raises(DatasetLockedError, match="another save"):
            save(s, root)
    assert not is_locked(root)
    # Another process (a second instance) holding the lock stops the save too; its death frees it.
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_LOCK, str(root)], stdout=subprocess.PIPE, text=True, cwd=REPO_ROOT
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(DatasetLockedError, match=f"pid {holder.pid}"):
            save(s, root)
    finally:
        holder.kill()
        holder.wait()
    assert not is_locked(root)
    assert tree_checksum(root) == before and s.journal(root).dirty

    (root / "meta" / "info.json").write_text((root / "meta" / "info.json").read_text() + "\n")
    with pytest.raises(EditError, match="changed on disk"):
        save(s, root)
    assert s.journal(root).dirty and journal_path(s.journal_dir, root).exists()
    assert not any(p.name.endswith(".leropilot-save") for p in tmp_path.iterdir())


def test_saving_a_v2_dataset_writes_v3(real_data: Path, tmp_path: Path) -> None:
    """The real v2.0 GR00T export: per-episode files, no frame_index column, video metadata under
    "video_info", and a second camera declared without any file."""
    import json

    import numpy as np
    from torchcodec.decoders import VideoDecoder

    root = copy_dataset(real_data / "datasets" / "gr00t_pnp_sim_v2.0", tmp_path, "gr00t")
    s = EditSession(tmp_path / "journals")
    s.attach(open_dataset(root))
    s.delete(root, ["e1"])
    s.trim(root, "e3", 10, 200)
    plan = plan_save(s, root)
    assert plan.converts_from == "v2.0" and "v3.0" in plan.lines[0]
    # A camera with no files is kept as it is (still missing, still reported), and said so.
    assert any("stay incomplete" in line and "egoview" in line for line in plan.lines)

    # Without the empty camera (the user's choice, made here on the copy) the save converts to v3.0.
    info_path = root / "meta" / "info.json"
    info = json.loads(info_path.read_text())
    del info["features"]["observation.images.egoview"]
    info_path.write_text(json.dumps(info, indent=4))
    source = open_dataset(root)
    s = EditSession(tmp_path / "journals2")
    s.attach(source)
    s.delete(root, ["e1"])
    s.trim(root, "e3", 10, 200)
    rows = {ep.episode_index: ep.column("observation.state").copy() for ep in source.episodes}
    videos = {ep.episode_index: ep.videos["observation.images.ego_view"].path for ep in source.episodes}
    frames = {ep: VideoDecoder(str(path)) for ep, path in videos.items()}
    result = save(s, root)
    assert result.videos_copied == 0
    from lerobot.datasets.lerobot_dataset import LeRobotDataset

    dataset = LeRobotDataset("local/gr00t_v3", root=root)
    assert json.loads(info_path.read_text())["codebase_version"] == "v3.0"
    kept = [
        (0, 0, source.episode(0).length),
        (2, 0, source.episode(2).length),
        (3, 10, 200),
        (4, 0, source.episode(4).length),
    ]
    assert dataset.meta.total_episodes == 4 and dataset.num_frames == sum(e - b for _, b, e in kept)
    position = 0
    for new_ep, (ep, start, end) in enumerate(kept):
        for i in (0, (end - start) // 2, end - start - 1):
            item = dataset[position + i]
            assert int(item["frame_index"]) == i and int(item["episode_index"]) == new_ep
            state_row = rows[ep][start + i].astype(
                np.float32
            )  # the v2 file holds float64; LeRobot reads float32
            np.testing.assert_array_equal(item["observation.state"].numpy(), state_row)
            expected = frames[ep][start + i].numpy()  # the same pixels as the source file's frame
            np.testing.assert_array_equal(
                (item["observation.images.ego_view"].numpy() * 255).round(), expected
            )
        position += end - start


@pytest.mark.parametrize(
    "edits",
    [
        ["delete_last"],  # files stay in order
        ["trim_middle"],  # a shorter range in place: still in order
        ["move"],  # episode 2 first: its file holds it before the others
        ["duplicate"],  # the same range twice in one file
        ["copy_in"],  # a donor's file joins; the dataset's own order kept
        ["every"],
    ],
)
def test_plan_predicts_the_files_a_fast_save_leaves_out_of_order(
    sample_uneven: Path, other: Path, tmp_path: Path, edits: list[str]
) -> None:
    """predict_out_of_order (columns, before anything is written) names exactly the files the
    written dataset's own check finds out of order or overlapping."""
    root = copy_dataset(sample_uneven, tmp_path, "uneven")
    donor = copy_dataset(other, tmp_path, "donor")
    if edits == ["every"]:
        s = _every_operation(tmp_path, root, donor)
    else:
        s = EditSession(tmp_path / "journals")
        s.attach(open_dataset(root))
        s.attach(open_dataset(donor))
        n = len(open_dataset(root).episodes)
        for edit in edits:
            if edit == "delete_last":
                s.delete(root, [f"e{n - 1}"])
            elif edit == "trim_middle":
                s.trim(root, "e1", 3, 12)
            elif edit == "move":
                s.move(root, "e2", 0)
            elif edit == "duplicate":
                s.duplicate(root, "e1")
            elif edit == "copy_in":
                s.copy(donor, ["e0"], root, position=n)
    plan = plan_save(s, root, fast=True)
    result = save(s, root, fast=True)
    assert len(plan.out_of_order) == len(result.noncanonical_videos), (
        plan.out_of_order,
        result.noncanonical_videos,
    )
    assert bool(plan.out_of_order) == (edits in (["move"], ["duplicate"], ["every"]))
