"""Forward kinematics of the SO-101 against link poses computed straight from the URDF XML."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest
from scipy.linalg import expm

from leropilot_gl.robot import BUNDLED_SO101_URDF, load_robot

SO101_JOINTS = ["shoulder_pan", "shoulder_lift", "elbow_flex", "wrist_flex", "wrist_roll", "gripper"]


def _rpy_matrix(roll: float, pitch: float, yaw: float) -> np.ndarray:
    """URDF rpy: fixed-axis X then Y then Z, i.e. Rz(yaw) @ Ry(pitch) @ Rx(roll)."""
    cr, sr, cp, sp, cy, sy = (
        np.cos(roll),
        np.sin(roll),
        np.cos(pitch),
        np.sin(pitch),
        np.cos(yaw),
        np.sin(yaw),
    )
    rx = np.array([[1, 0, 0], [0, cr, -sr], [0, sr, cr]])
    ry = np.array([[cp, 0, sp], [0, 1, 0], [-sp, 0, cp]])
    rz = np.array([[cy, -sy, 0], [sy, cy, 0], [0, 0, 1]])
    return rz @ ry @ rx


def _origin(element: ET.Element | None) -> np.ndarray:
    out = np.eye(4)
    if element is not None:
        out[:3, :3] = _rpy_matrix(*[float(x) for x in element.get("rpy", "0 0 0").split()])
        out[:3, 3] = [float(x) for x in element.get("xyz", "0 0 0").split()]
    return out


def independent_link_poses(urdf: Path, values: dict[str, float]) -> dict[str, np.ndarray]:
    """Chain multiplication from the raw XML; revolute motion through the matrix exponential."""
    root = ET.parse(urdf).getroot()
    joints = root.findall("joint")
    child_links = {j.find("child").get("link") for j in joints}
    links = [link.get("name") for link in root.findall("link")]
    poses = {name: np.eye(4) for name in links if name not in child_links}
    remaining = list(joints)
    while remaining:
        for j in list(remaining):
            parent = j.find("parent").get("link")
            if parent not in poses:
                continue
            motion = np.eye(4)
            if j.get("type") in ("revolute", "continuous"):
                axis = np.array([float(x) for x in j.find("axis").get("xyz").split()])
                skew = np.array([[0, -axis[2], axis[1]], [axis[2], 0, -axis[0]], [-axis[1], axis[0], 0]])
                motion[:3, :3] = expm(skew * values.get(j.get("name"), 0.0))
            poses[j.find("child").get("link")] = poses[parent] @ _origin(j.find("origin")) @ motion
            remaining.remove(j)
    return poses


@pytest.fixture(scope="module")
def so101():
    return load_robot(BUNDLED_SO101_URDF)


JOINT_VECTORS = [
    [0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
    [0.5, -0.3, 0.8, -1.2, 2.0, 1.0],
    [-1.9, 1.7, -1.6, 1.6, -2.7, -0.17],
    [1.1, 0.9, 1.2, 0.4, 0.3, 0.6],
]


@pytest.mark.parametrize("vector", JOINT_VECTORS)
def test_link_poses_match_independent_chain(so101, vector):
    values = dict(zip(SO101_JOINTS, vector, strict=True))
    expected = independent_link_poses(BUNDLED_SO101_URDF, values)
    got = so101.link_poses(values)
    assert set(got) == set(expected)
    for link, pose in expected.items():
        np.testing.assert_allclose(got[link], pose, atol=1e-9, err_msg=link)


def test_batch_matches_single_poses(so101):
    columns = {name: np.array([v[i] for v in JOINT_VECTORS]) for i, name in enumerate(SO101_JOINTS)}
    batch = so101.link_poses_batch(columns, count=len(JOINT_VECTORS))
    for k, vector in enumerate(JOINT_VECTORS):
        single = so101.link_poses(dict(zip(SO101_JOINTS, vector, strict=True)))
        for link in single:
            np.testing.assert_allclose(batch[link][k], single[link], atol=1e-12)


def test_joints_move_the_end_effector_and_its_distance_stays_rigid(so101):
    ee = so101.end_effector_link()
    assert ee == "gripper_frame_link"
    rest = so101.link_poses({})[ee][:3, 3]
    turned = so101.link_poses({"shoulder_pan": 1.0})[ee][:3, 3]
    assert np.linalg.norm(rest - turned) > 0.05
    # A pan about the base's vertical axis keeps the height and the distance to that axis.
    axis_point = so101.link_poses({})["shoulder_link"][:3, 3]
    assert turned[2] == pytest.approx(rest[2], abs=1e-5)  # the URDF writes pi as 3.14159
    assert np.linalg.norm((turned - axis_point)[:2]) == pytest.approx(
        np.linalg.norm((rest - axis_point)[:2]), abs=1e-5
    )


def test_prismatic_and_mimic_joints(tmp_path):
    urdf = tmp_path / "slide.urdf"
    urdf.write_text(
        """<robot name="slide">
  <link name="base"/><link name="carriage"/><link name="finger"/>
  <joint name="slide" type="prismatic"><parent link="base"/><child link="carriage"/>
    <origin xyz="0 0 0.1"/><axis xyz="1 0 0"/><limit lower="0" upper="0.5" effort="1" velocity="1"/></joint>
  <joint name="finger" type="revolute"><parent link="carriage"/><child link="finger"/>
    <axis xyz="0 0 1"/><limit lower="-1" upper="1" effort="1" velocity="1"/>
    <mimic joint="slide" multiplier="2" offset="0.1"/></joint>
</robot>"""
    )
    robot = load_robot(urdf)
    assert [j.name for j in robot.movable_joints] == ["slide"]  # the mimic joint follows, not mapped
    poses = robot.link_poses({"slide": 0.25})
    np.testing.assert_allclose(poses["carriage"][:3, 3], [0.25, 0.0, 0.1])
    angle = 2 * 0.25 + 0.1
    np.testing.assert_allclose(poses["finger"][:2, 0], [np.cos(angle), np.sin(angle)], atol=1e-12)
