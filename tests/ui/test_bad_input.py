"""Damaged datasets in the app: a clear message where the damage is, the app keeps running, nothing
on disk changes."""

from __future__ import annotations

import numpy as np
from PIL import Image

from tests.conftest import tree_checksum
from tests.ui.conftest import run_app_test, screenshot, yield_until
from tools.frame_code import read_frame_code

FRONT, WRIST = "observation.images.front", "observation.images.wrist"


def _truncate(path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def test_corrupt_parquet_truncated_mp4_and_unreadable_episode_table(app_state, sample_av1, copy_dataset_to_tmp):
    corrupt_data = copy_dataset_to_tmp(sample_av1, "corrupt_data")
    _truncate(corrupt_data / "data" / "chunk-000" / "file-000.parquet")
    cut_video = copy_dataset_to_tmp(sample_av1, "cut_video")
    # 90 frames in one file; half its bytes keep about 43, so episode 1 (frames 30..59) ends early
    _truncate(cut_video / "videos" / FRONT / "chunk-000" / "file-000.mp4")
    no_table = copy_dataset_to_tmp(sample_av1, "no_episode_table")
    _truncate(no_table / "meta" / "episodes" / "chunk-000" / "file-000.parquet")
    before = {root: tree_checksum(root) for root in (corrupt_data, cut_video, no_table)}
    seen: dict = {}

    def test(ctx):
        for root in (corrupt_data, cut_video, no_table):
            app_state.open_dataset_async(root)
        assert yield_until(ctx, lambda: not app_state.opening), "the opens never finished"
        ctx.yield_(2)
        seen["opened"] = sorted(d.root.name for d in app_state.datasets)
        seen["notices"] = [(n.level, n.text) for n in app_state.notices]

        # The truncated mp4: past its end the front tile names the problem, the wrist one plays on.
        app_state.select_episode(app_state.find_dataset(cut_video.resolve()).root, 1)
        app_state.time.seek_frame(20)

        def settled() -> bool:
            tiles = app_state.playback.tiles
            front, wrist = tiles.get(FRONT), tiles.get(WRIST)
            return bool(front and wrist and front.problem and wrist.shown_frame == 20 and not wrist.buffering)

        assert yield_until(ctx, settled), "the tiles never settled on frame 20"
        ctx.yield_(2)
        seen["front_problem"] = app_state.playback.tiles[FRONT].problem
        shot = screenshot(ctx, "bad_input_truncated_mp4")
        x0, y0, x1, y1 = (round(v) for v in app_state.playback.ui_objects[f"tile_rect/{WRIST}"])
        seen["wrist_code"] = read_frame_code(np.asarray(Image.open(shot).convert("RGB"))[y0:y1, x0:x1])

        # The unreadable episode table: the dataset opens from its data, its problem is listed.
        app_state.select_episode(app_state.find_dataset(no_table.resolve()).root, 0)
        ctx.set_ref("Datasets")
        ctx.item_open("**/###dataset")  # both datasets' nodes: the first match is enough to show badges
        ctx.yield_(5)
        screenshot(ctx, "bad_input_episode_table")

    run_app_test(app_state, test)
    assert seen["opened"] == ["cut_video", "no_episode_table"]
    errors = [text for level, text in seen["notices"] if level == "error"]
    assert len(errors) == 1 and "corrupt_data" in errors[0] and "unreadable parquet" in errors[0], errors
    assert errors[0].count("unreadable parquet") == 1  # one shared data file, said once
    assert "outside the file" in seen["front_problem"]
    assert seen["wrist_code"] == (1, 20)
    table_problems = [p.message for p in app_state.find_dataset(no_table.resolve()).index.problems]
    assert any("episode table" in m and "unreadable" in m for m in table_problems), table_problems
    for root, checksum in before.items():
        assert tree_checksum(root) == checksum, f"{root.name} changed on disk"
