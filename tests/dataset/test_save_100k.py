"""A delete, a trim and a duplicate on the 100,000-episode dataset: Save writes it, LeRobot loads it,
and the episodes around the edits are frame-exact (data rows and decoded video frames)."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import numpy as np

from leropilot_gl.dataset import EditSession, open_dataset, save
from tools.frame_code import read_frame_code
from tools.scale_dataset import BASE_PARAMS, cached_scale_dataset

N = 100_000
BASE = BASE_PARAMS["episodes"]  # episode i of the big dataset is a copy of base episode i % BASE


def test_delete_trim_duplicate_on_100k_episodes(tmp_path: Path) -> None:
    from lerobot.datasets.lerobot_dataset import LeRobotDataset

    root = tmp_path / "scale"
    # hard links: a save never writes into a file in place (it builds beside and swaps), so the
    # cached dataset stays as it is
    shutil.copytree(cached_scale_dataset(N), root, copy_function=os.link)
    before = open_dataset(root)
    state_of = {e: before.episode(e).column("observation.state").copy() for e in (4, 5, 6, 50_000, 99_999)}
    session = EditSession(tmp_path / "journals")
    session.attach(before)
    session.delete(root, ["e5"])
    session.trim(root, "e50000", 2, 8)
    session.duplicate(root, "e99999")
    started = time.perf_counter()
    # fast: the scale dataset points each of its 100,000 episodes into the 10 base episodes' frames,
    # so putting the video files in episode order would remux 200,000 episode videos; that step
    # has its own tests (test_compact.py, test_save.py) and the bench times it at this scale.
    result = save(session, root, fast=True)
    print(f"\nsave of {N} episodes with 3 edits: {time.perf_counter() - started:.1f} s")

    after = open_dataset(root)
    assert len(after.episodes) == N  # one deleted, one added
    lengths = after.table.length
    assert lengths[49_999] == 6 and int(lengths.sum()) == N * 10 - 10 - 4 + 10
    assert result.episodes == N

    # Saved episode k <- source: 4 <- 4, 5 <- 6, 49_999 <- 50_000 [2:8], 99_998 <- 99_999, 99_999 <- dup.
    expected = {
        4: (4, 0, 10),
        5: (6, 0, 10),
        49_999: (50_000, 2, 8),
        99_998: (99_999, 0, 10),
        99_999: (99_999, 0, 10),
    }
    for saved, (source, lo, hi) in expected.items():
        np.testing.assert_array_equal(
            after.episode(saved).column("observation.state"), state_of[source][lo:hi]
        )

    # LeRobot reads the whole metadata (100,000 episodes, their stats and video positions) and,
    # through its own episode filter over every data file, the rows of the episodes around the
    # edits: every frame of those is checked, each camera decoded. (Loading all 1,000,000 rows
    # into its Arrow cache cost minutes and checked nothing more about the edits.)
    started = time.perf_counter()
    dataset = LeRobotDataset("local/scale_saved", root=root, episodes=sorted(expected))
    assert dataset.meta.total_episodes == N and dataset.meta.total_frames == int(lengths.sum())
    assert len(dataset) == sum(hi - lo for _, lo, hi in expected.values())
    print(f"LeRobotDataset load: {time.perf_counter() - started:.1f} s")
    frames: dict[int, list[int]] = {}
    for r in range(len(dataset)):
        item = dataset[r]
        saved, f = int(item["episode_index"]), int(item["frame_index"])
        source, lo, _hi = expected[saved]
        assert int(item["index"]) == int(dataset.meta.episodes[saved]["dataset_from_index"]) + f
        np.testing.assert_array_equal(item["observation.state"].numpy(), state_of[source][lo + f])
        for key in dataset.meta.video_keys:
            image = (item[key].permute(1, 2, 0).numpy() * 255).round().astype(np.uint8)
            assert read_frame_code(image) == (source % BASE, lo + f), (saved, f, key)
        frames.setdefault(saved, []).append(f)
    assert frames == {saved: list(range(hi - lo)) for saved, (_, lo, hi) in expected.items()}
