"""The 3D panel's model without a window: model choice, loading in workers, per-episode motion."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from leropilot_gl.dataset import open_dataset
from leropilot_gl.render.view3d_state import View3DState
from leropilot_gl.robot import BUNDLED_SO101_URDF, JointTarget, JointUnits, RobotPrefsStore, load_robot
from leropilot_gl.robot.review import episode_motion
from tools.make_sample_dataset import ACTION_LEAD_FRAMES, JOINT_NAMES, joint_trajectory


@pytest.fixture
def executor():
    pool = ThreadPoolExecutor(2)
    yield pool
    pool.shutdown(wait=True)


def _settle(view: View3DState, executor, dataset, episode, *, frames: int = 400) -> None:
    """Call update() like the UI does once per frame until no work is in flight."""
    for _ in range(frames):
        view.update(executor, dataset, episode)
        if not view.busy and (view.motion is not None or view.robot_error or view.motion_error):
            return
        time.sleep(0.02)
    raise AssertionError("the 3D state never settled")


def _prefs_read(view: View3DState, executor) -> View3DState:
    """The saved robot settings are read on the executor; update() starts nothing before them."""
    for _ in range(400):
        if view.load_prefs_async(executor):
            return view
        assert view.busy  # reading the settings is work in flight
        time.sleep(0.01)
    raise AssertionError("the robot settings were never read")


def test_so101_dataset_gets_the_bundled_model_and_follows_episodes(sample_av1, executor, tmp_path):
    ds = open_dataset(sample_av1)
    view = _prefs_read(View3DState(config_dir=tmp_path), executor)
    first, second = ds.episodes[0], ds.episodes[1]
    view.update(executor, ds, first)
    assert view.robot_source.bundled and view.robot_source.urdf_path == BUNDLED_SO101_URDF
    assert view.busy  # the load runs in a worker; update() returned at once
    _settle(view, executor, ds, first)
    motion = view.motion
    assert motion.units is JointUnits.DEGREES and motion.frame_count == first.length
    expected = np.deg2rad(first.column("observation.state")[7, 1])
    assert motion.state.at(7)[""]["shoulder_lift"] == pytest.approx(expected)
    _settle(view, executor, ds, second)
    assert view.motion is not motion and view.motion.state.frame_count == second.length
    robot_before = view.robot
    # Units chosen by the user are remembered for the robot type and applied at once.
    view.update_prefs(ds.robot_type, units=JointUnits.RANGE_100.value)
    _settle(view, executor, ds, second)
    assert view.robot is robot_before and view.motion.units is JointUnits.RANGE_100
    view.prefs_store.flush()  # written on the executor: the click never waits for the disk
    assert RobotPrefsStore(tmp_path).get(ds.robot_type).units == "range_100"


def test_playhead_time_to_frame(sample_av1, executor, tmp_path):
    ds = open_dataset(sample_av1)
    view = View3DState(config_dir=tmp_path)
    assert view.frame_to_show(0.5) == 0  # nothing read yet
    _settle(view, executor, ds, ds.episodes[0])
    assert view.frame_to_show(10 / ds.fps) == 10  # k / fps lands on frame k, not k - 1
    assert view.frame_to_show(10.6 / ds.fps) == 10
    assert view.frame_to_show(99.0) == ds.episodes[0].length - 1
    assert view.frame_to_show(-1.0) == 0


def test_unknown_robot_needs_a_urdf_and_bad_choices_are_refused(real_data, executor, tmp_path):
    koch = open_dataset(real_data / "datasets" / "koch_screwdriver_v2.1_novideo")
    view = _prefs_read(View3DState(config_dir=tmp_path), executor)
    view.update(executor, koch, koch.episodes[0])
    assert view.robot_source is None and not view.busy
    assert view.choose_urdf(koch.robot_type, tmp_path / "robot.stl") == "robot.stl is not a URDF file (.urdf)"
    assert view.choose_urdf(koch.robot_type, tmp_path / "nope.urdf").startswith("URDF file not found")
    broken = tmp_path / "broken.urdf"
    broken.write_text("<robot name='b'><link name='a'>")
    assert view.choose_urdf(koch.robot_type, broken) is None
    _settle(view, executor, koch, koch.episodes[0])
    assert view.robot is None and "cannot read URDF broken.urdf" in view.robot_error
    assert view.choose_urdf(koch.robot_type, BUNDLED_SO101_URDF) is None
    _settle(view, executor, koch, koch.episodes[0])
    assert view.robot_error is None and view.motion.units is JointUnits.RANGE_100


def test_bimanual_motion_poses_two_arms():
    robot = load_robot(BUNDLED_SO101_URDF)
    joints = joint_trajectory(0, 40 + ACTION_LEAD_FRAMES)
    names = [f"{side}_{n}" for side in ("left", "right") for n in JOINT_NAMES]
    state = np.hstack([joints[:40], joints[:40] * 0.5])
    action = np.hstack([joints[ACTION_LEAD_FRAMES:], joints[ACTION_LEAD_FRAMES:] * 0.5])
    motion = episode_motion(
        robot, state_names=names, state_values=state, action_names=names, action_values=action, fps=30.0
    )
    assert motion.mapping.arms == ["left", "right"] and motion.problems == []
    pose = motion.state.at(5)
    assert pose["left"]["elbow_flex"] == pytest.approx(np.deg2rad(joints[5, 2]))
    assert pose["right"]["elbow_flex"] == pytest.approx(np.deg2rad(joints[5, 2] * 0.5))
    paths = motion.end_effector_paths
    assert set(paths) == {"left", "right"} and paths["left"].shape == (40, 3)
    assert paths["left"][:, 1].mean() > paths["right"][:, 1].mean()  # the arms stand apart along y
    assert motion.mapping.targets["right_gripper.pos"] == JointTarget("right", "gripper")
    assert all(abs(r.lag_frames - ACTION_LEAD_FRAMES) < 0.3 for r in motion.sync_rows)


def test_state_without_action_has_no_ghost_and_says_so():
    robot = load_robot(BUNDLED_SO101_URDF)
    joints = joint_trajectory(1, 20)
    motion = episode_motion(
        robot,
        state_names=list(JOINT_NAMES),
        state_values=joints,
        action_names=None,
        action_values=None,
        fps=30.0,
    )
    assert motion.action is None and motion.sync_rows == []
    assert "no action feature" in motion.problems[-1]


def test_sync_numbers_come_without_a_robot_model(real_data, executor, tmp_path):
    koch = open_dataset(real_data / "datasets" / "koch_screwdriver_v2.1_novideo")
    view = View3DState(config_dir=tmp_path)
    episode = koch.episodes[1]
    for _ in range(400):
        view.update(executor, koch, episode)
        if view.sync_rows is not None or view.sync_error:
            break
        time.sleep(0.02)
    assert view.robot_source is None and view.motion is None
    assert view.sync_error is None
    assert [row.name for row in view.sync_rows] == list(koch.features["action"].names)
    arm = [row for row in view.sync_rows if row.name != "screwdriver.vel"]
    assert all(1.0 <= row.lag_frames <= 5.0 for row in arm), [(r.name, r.lag_frames) for r in arm]
