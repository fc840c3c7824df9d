"""Bad input in the app: damaged datasets, a URDF that is broken or fits another robot, a repository
that cannot be fetched. A clear message where the problem is, the app keeps running, nothing on disk
changes."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from leropilot_gl.envs import EnvManager, Settings
from leropilot_gl.envs.wizard import EnvManagerState
from leropilot_gl.render.view3d_state import View3DState
from tests.conftest import tree_checksum
from tests.ui.conftest import run_app_test, screenshot, yield_until
from tools.frame_code import read_frame_code

pytestmark = pytest.mark.gui

FRONT, WRIST = "observation.images.front", "observation.images.wrist"
# A valid URDF of some other robot: none of its joints is a feature of an SO-101 dataset.
OTHER_ROBOT_URDF = """<?xml version="1.0"?>
<robot name="other"><link name="base"/><link name="arm"/>
<joint name="hinge" type="revolute"><parent link="base"/><child link="arm"/><axis xyz="0 0 1"/>
<limit lower="-1" upper="1" effort="1" velocity="1"/></joint></robot>
"""


def _truncate(path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def test_damaged_datasets_bad_urdfs_and_an_unreachable_repository(
    app_state, sample_av1, copy_dataset_to_tmp, tmp_path
):
    from leropilot_gl.app import handle_dropped_paths

    corrupt_data = copy_dataset_to_tmp(sample_av1, "corrupt_data")
    _truncate(corrupt_data / "data" / "chunk-000" / "file-000.parquet")
    cut_video = copy_dataset_to_tmp(sample_av1, "cut_video")
    # 90 frames in one file; half its bytes keep about 43, so episode 1 (frames 30..59) ends early
    _truncate(cut_video / "videos" / FRONT / "chunk-000" / "file-000.mp4")
    no_table = copy_dataset_to_tmp(sample_av1, "no_episode_table")
    _truncate(no_table / "meta" / "episodes" / "chunk-000" / "file-000.parquet")
    before = {root: tree_checksum(root) for root in (corrupt_data, cut_video, no_table)}
    garbage_urdf = tmp_path / "garbage.urdf"
    garbage_urdf.write_text("this is not xml <<<")
    other_urdf = tmp_path / "other.urdf"
    other_urdf.write_text(OTHER_ROBOT_URDF)
    app_state.view3d = View3DState(config_dir=tmp_path / "robot-prefs")
    settings = Settings(
        data_dir=tmp_path / "envs-data",
        offline=True,
        repositories={"unreachable": "https://127.0.0.1:9/lerobot.git"},
    )
    envs = EnvManagerState(
        settings=settings, manager=EnvManager(settings), first_run=False, welcome_done=True
    )
    app_state.envs = envs
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
        x0, y0, x1, y1 = (round(v) for v in app_state.playback_view.tile_rects[WRIST])
        seen["wrist_code"] = read_frame_code(np.asarray(Image.open(shot).convert("RGB"))[y0:y1, x0:x1])

        # URDFs dropped on the window: missing, not XML, another robot's. Each says what is wrong.
        view = app_state.view3d
        handle_dropped_paths(app_state, [str(tmp_path / "missing.urdf")])
        handle_dropped_paths(app_state, [str(garbage_urdf)])
        assert yield_until(ctx, lambda: view.robot_error is not None), "the broken URDF never failed"
        seen["garbage_urdf"] = view.robot_error
        handle_dropped_paths(app_state, [str(other_urdf)])
        assert yield_until(ctx, lambda: view.motion is not None and not view.busy), view.robot_error
        ctx.yield_(2)
        seen["other_mapping"] = view.motion.mapping
        screenshot(ctx, "bad_input_other_robot_urdf")

        # A repository that cannot be reached, then a path that does not exist: the wizard says so.
        ctx.set_ref("##MainMenuBar")
        ctx.menu_click("Environments/New environment...")
        ctx.set_ref("Environment wizard")
        ctx.item_click("**/###repo-unreachable")
        ctx.item_click("**/###fetch")
        assert yield_until(ctx, lambda: "cannot fetch" in envs.error), envs.error
        seen["unreachable"] = envs.error
        ctx.item_click("**/###repo-custom")
        ctx.item_input_value("**/##custom-url", str(tmp_path / "no-such-repo"))
        ctx.item_click("**/###fetch")
        assert yield_until(ctx, lambda: "no such folder" in envs.error), envs.error
        seen["no_such_path"] = envs.error
        screenshot(ctx, "bad_input_env_wizard")

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
    assert "URDF file not found" in " ".join(n.text for n in app_state.notices)
    assert seen["garbage_urdf"].startswith("cannot read URDF garbage.urdf")
    assert not seen["other_mapping"].targets and seen["other_mapping"].unmapped_joints == ["hinge"]
    assert "https://127.0.0.1:9/lerobot.git" in seen["unreachable"]
    assert str(tmp_path / "no-such-repo") in seen["no_such_path"]
    assert not any("cannot fetch" in n.text for n in app_state.notices)  # said once, in the wizard
    assert not (tmp_path / "envs-data" / "envs").exists()  # nothing half-made
    for root, checksum in before.items():
        assert tree_checksum(root) == checksum, f"{root.name} changed on disk"
