"""Joint mapping from dataset names, and unit guessing on real and generated data."""

from __future__ import annotations

import numpy as np
import pytest

from leropilot_gl.dataset import open_dataset
from leropilot_gl.robot import (
    BUNDLED_SO101_URDF,
    JointTarget,
    JointUnits,
    auto_map,
    guess_units,
    joint_trajectories,
    load_robot,
    mapping_from_json,
    to_joint_values,
)
from tools.make_sample_dataset import JOINT_NAMES

SO101_JOINTS = ["shoulder_pan", "shoulder_lift", "elbow_flex", "wrist_flex", "wrist_roll", "gripper"]


def test_so101_feature_names_map_one_to_one():
    mapping = auto_map(list(JOINT_NAMES), SO101_JOINTS)
    assert mapping.targets == {f"{j}.pos": JointTarget("", j) for j in SO101_JOINTS}
    assert mapping.unmapped_features == [] and mapping.unmapped_joints == []
    assert mapping.arms == [""]


def test_case_and_separators_are_ignored():
    mapping = auto_map(["Shoulder-Pan.pos", "ELBOW FLEX", "wrist.flex.pos"], SO101_JOINTS)
    assert {k: t.joint for k, t in mapping.targets.items()} == {
        "Shoulder-Pan.pos": "shoulder_pan",
        "ELBOW FLEX": "elbow_flex",
        "wrist.flex.pos": "wrist_flex",
    }


def test_bimanual_prefixes_drive_two_arms():
    names = [f"{side}_{j}.pos" for side in ("left", "right") for j in SO101_JOINTS]
    mapping = auto_map(names, SO101_JOINTS)
    assert mapping.arms == ["left", "right"]
    assert mapping.targets["left_elbow_flex.pos"] == JointTarget("left", "elbow_flex")
    assert mapping.targets["right_gripper.pos"] == JointTarget("right", "gripper")
    assert mapping.unmapped_features == [] and mapping.unmapped_joints == []


def test_unmappable_names_are_reported_not_guessed():
    names = ["shoulder_pan.pos", "screwdriver.vel", "base_yaw.pos", "shoulder_pan"]
    mapping = auto_map(names, SO101_JOINTS)
    assert list(mapping.targets) == ["shoulder_pan.pos"]
    assert mapping.unmapped_features == [
        ("base_yaw.pos", "no URDF joint has this name"),
        ("screwdriver.vel", "not a joint position (.vel)"),
        ("shoulder_pan", "joint shoulder_pan is already driven by shoulder_pan.pos"),
    ]
    assert mapping.unmapped_joints == ["elbow_flex", "gripper", "shoulder_lift", "wrist_flex", "wrist_roll"]
    problems = mapping.describe_problems()
    assert "screwdriver.vel: not a joint position (.vel)" in problems
    assert problems[-1].startswith("URDF joints without data (held at 0): elbow_flex")


def test_dataset_that_matches_no_joint(real_data):
    reachy = open_dataset(real_data / "datasets" / "reachy2_apple_storage_v3.0_novideo")
    names = list(reachy.features["observation.state"].names)
    mapping = auto_map(names, SO101_JOINTS)
    assert mapping.empty
    assert len(mapping.unmapped_features) == len(names)
    assert mapping.describe_problems()[0] == "no dataset feature matches a joint of this URDF"


def test_edited_mapping_round_trips_and_is_checked():
    mapping = auto_map(list(JOINT_NAMES), SO101_JOINTS)
    data = mapping.to_json()
    data["wrist_roll.pos"] = ["", "no_such_joint"]
    del data["gripper.pos"]
    checked = mapping_from_json(data, list(JOINT_NAMES), SO101_JOINTS)
    assert checked.targets["shoulder_pan.pos"] == JointTarget("", "shoulder_pan")
    assert dict(checked.unmapped_features) == {
        "gripper.pos": "not mapped",
        "wrist_roll.pos": "mapped to no_such_joint, which this URDF lacks",
    }
    assert checked.unmapped_joints == ["gripper", "wrist_roll"]


def test_koch_values_are_guessed_as_range_100(real_data):
    koch = open_dataset(real_data / "datasets" / "koch_screwdriver_v2.1_novideo")
    names = list(koch.features["action"].names)
    values = np.concatenate(
        [np.concatenate([ep.column("observation.state"), ep.column("action")]) for ep in koch.episodes]
    )
    guess = guess_units(names, values, codebase_version=koch.version)
    assert guess.units is JointUnits.RANGE_100
    assert "exactly at ±100" in guess.reason
    # The same values without the version hint: the clamp alone decides.
    assert guess_units(names, values).units is JointUnits.RANGE_100


def test_generated_degree_data_is_guessed_as_degrees(sample_av1):
    ds = open_dataset(sample_av1)
    names = list(ds.features["observation.state"].names)
    values = np.concatenate([ep.column("observation.state") for ep in ds.episodes])
    guess = guess_units(names, values, codebase_version=ds.version)
    assert guess.units is JointUnits.DEGREES, guess.reason
    assert "degrees" in guess.reason


def test_radians_and_clear_degree_cases():
    names = ["a.pos", "b.pos", "gripper.pos"]
    radians = np.array([[0.1, -1.5, 60.0], [2.9, 0.3, 10.0]])  # the gripper's 0..100 is ignored
    assert guess_units(names, radians).units is JointUnits.RADIANS
    degrees = np.array([[120.0, -30.0, 50.0], [10.0, 5.0, 0.0]])
    guess = guess_units(names, degrees)
    assert guess.units is JointUnits.DEGREES and "beyond ±100" in guess.reason
    assert guess_units(["x.vel"], np.array([[500.0]])).reason.startswith("no joint position values")


def test_conversion_onto_joint_limits():
    robot = load_robot(BUNDLED_SO101_URDF)
    pan, gripper = robot.joint("shoulder_pan"), robot.joint("gripper")
    np.testing.assert_allclose(
        to_joint_values(np.array([-100.0, 0.0, 100.0]), JointUnits.RANGE_100, pan, gripper=False),
        [pan.lower, 0.0, pan.upper],
        atol=1e-12,
    )
    np.testing.assert_allclose(
        to_joint_values(np.array([90.0]), JointUnits.DEGREES, pan, gripper=False), [np.pi / 2]
    )
    np.testing.assert_allclose(
        to_joint_values(np.array([0.0, 100.0]), JointUnits.DEGREES, gripper, gripper=True),
        [gripper.lower, gripper.upper],
    )
    mapping = auto_map(list(JOINT_NAMES), [j.name for j in robot.movable_joints])
    traj = joint_trajectories(robot, mapping, JointUnits.DEGREES, list(JOINT_NAMES), np.full((4, 6), 45.0))
    pose = traj.at(10)  # clamped to the last frame
    assert pose[""]["elbow_flex"] == pytest.approx(np.pi / 4)
    assert pose[""]["gripper"] == pytest.approx(gripper.lower + 0.45 * (gripper.upper - gripper.lower))
