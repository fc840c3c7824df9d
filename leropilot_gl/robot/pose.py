"""Recorded joint columns -> URDF joint values per frame, poses, end-effector paths. No GL."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from leropilot_gl.robot.mapping import SINGLE_ARM, JointMapping, JointTarget, normalize_joint_name
from leropilot_gl.robot.model import RobotModel
from leropilot_gl.robot.units import JointUnits, is_gripper, to_joint_values

BUNDLED_SO101_URDF = Path(__file__).resolve().parent.parent / "assets" / "so101" / "so101_new_calib.urdf"
BIMANUAL_ARM_SPACING_M = 0.5


def bundled_urdf_for(robot_type: str | None) -> Path | None:
    """The shipped model for SO-100/SO-101 robot types (single or bimanual), else None."""
    normal = normalize_joint_name(robot_type or "")
    if "so100" in normal or "so101" in normal:
        return BUNDLED_SO101_URDF
    return None


@dataclass(frozen=True)
class JointTrajectories:
    """URDF joint values (radians) per frame for each mapped (arm, joint)."""

    frame_count: int
    values: dict[JointTarget, np.ndarray]  # each (frame_count,)

    @property
    def arms(self) -> list[str]:
        return sorted({t.arm for t in self.values}) or [SINGLE_ARM]

    def at(self, frame: int) -> dict[str, dict[str, float]]:
        """arm -> {joint: value} at one frame (clamped into the episode)."""
        frame = min(max(int(frame), 0), max(self.frame_count - 1, 0))
        out: dict[str, dict[str, float]] = {arm: {} for arm in self.arms}
        for target, column in self.values.items():
            if len(column):
                out[target.arm][target.joint] = float(column[frame])
        return out

    def batch(self, arm: str) -> dict[str, np.ndarray]:
        return {t.joint: v for t, v in self.values.items() if t.arm == arm}


def joint_trajectories(
    robot: RobotModel, mapping: JointMapping, units: JointUnits, names: Sequence[str], values: np.ndarray
) -> JointTrajectories:
    """Convert the mapped columns of (frames, len(names)) recorded values to joint values."""
    values = np.asarray(values, dtype=np.float64).reshape(len(values), -1)
    out: dict[JointTarget, np.ndarray] = {}
    for i, name in enumerate(names):
        target = mapping.targets.get(name)
        if target is None or i >= values.shape[1]:
            continue
        joint = robot.joint(target.joint)
        out[target] = to_joint_values(values[:, i], units, joint, gripper=is_gripper(target.joint))
    return JointTrajectories(len(values), out)


def world_from_arm(arms: Sequence[str]) -> dict[str, np.ndarray]:
    """Where each arm's base sits: one arm at the origin, two arms side by side along y."""
    out = {}
    for arm in arms:
        pose = np.eye(4)
        if arm == "left":
            pose[1, 3] = BIMANUAL_ARM_SPACING_M / 2
        elif arm == "right":
            pose[1, 3] = -BIMANUAL_ARM_SPACING_M / 2
        out[arm] = pose
    return out


def end_effector_paths(robot: RobotModel, trajectories: JointTrajectories) -> dict[str, np.ndarray]:
    """arm -> (frames, 3) world positions of the end-effector link over the episode."""
    link = robot.end_effector_link()
    bases = world_from_arm(trajectories.arms)
    paths = {}
    for arm in trajectories.arms:
        poses = robot.link_poses_batch(trajectories.batch(arm), count=trajectories.frame_count)[link]
        paths[arm] = (bases[arm] @ poses)[:, :3, 3].astype(np.float32)
    return paths
