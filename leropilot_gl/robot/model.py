"""A robot's kinematic tree and visual meshes as plain data, and forward kinematics. No GL.

Transforms are 4x4 float64 matrices named `<to>_from_<from>`: `world_from_link` maps a point in
the link's frame to the world (the root link's frame). Joint values are radians (metres for
prismatic joints).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

MOVABLE_JOINT_TYPES = ("revolute", "continuous", "prismatic")


@dataclass(frozen=True)
class JointSpec:
    name: str
    joint_type: str  # revolute, continuous, prismatic, fixed (floating/planar are treated as fixed)
    parent: str
    child: str
    parent_from_joint: np.ndarray  # the <origin> of the joint, 4x4
    axis: np.ndarray  # unit vector in the joint frame
    lower: float | None
    upper: float | None
    mimic_of: str | None = None  # value = multiplier * value(mimic_of) + offset
    mimic_multiplier: float = 1.0
    mimic_offset: float = 0.0

    @property
    def movable(self) -> bool:
        return self.joint_type in MOVABLE_JOINT_TYPES

    @property
    def has_limits(self) -> bool:
        return self.lower is not None and self.upper is not None and self.upper > self.lower


@dataclass(frozen=True)
class MeshData:
    """An indexed triangle mesh ready for GL buffers (shading derives face normals per pixel)."""

    key: str  # resolved file path (or primitive description): equal keys share one GPU buffer
    positions: np.ndarray  # (vertices, 3) float32, in the mesh's own frame, scale applied
    indices: np.ndarray  # (triangles, 3) uint32

    @property
    def triangle_count(self) -> int:
        return len(self.indices)


@dataclass(frozen=True)
class VisualSpec:
    link: str
    link_from_visual: np.ndarray  # 4x4
    mesh: MeshData
    rgba: tuple[float, float, float, float]


@dataclass
class RobotModel:
    name: str
    urdf_path: Path
    root_link: str
    links: list[str]
    joints: list[JointSpec]  # topological order: a joint's parent link is posed before it
    visuals: list[VisualSpec]
    problems: list[str] = field(default_factory=list)  # missing meshes, unsupported geometry

    @property
    def movable_joints(self) -> list[JointSpec]:
        """Joints a dataset can drive (mimic joints follow another joint and are left out)."""
        return [j for j in self.joints if j.movable and j.mimic_of is None]

    def joint(self, name: str) -> JointSpec:
        for j in self.joints:
            if j.name == name:
                return j
        raise KeyError(f"joint {name!r} is not in {self.name}")

    @property
    def leaf_links(self) -> list[str]:
        """Links no joint starts from, sorted: the end effector candidates."""
        parents = {j.parent for j in self.joints}
        return sorted(link for link in self.links if link not in parents)

    def end_effector_link(self) -> str:
        """The deepest link of the tree, preferring one whose name says gripper/tool/ee."""
        depth = {self.root_link: 0}
        for j in self.joints:
            depth[j.child] = depth.get(j.parent, 0) + 1
        leaves = self.leaf_links or [self.root_link]
        preferred = [x for x in leaves if any(k in x.lower() for k in ("gripper_frame", "tcp", "ee", "tool"))]
        return max(preferred or leaves, key=lambda x: (depth.get(x, 0), x))

    def link_poses(self, joint_values: Mapping[str, float]) -> dict[str, np.ndarray]:
        """world_from_link for every link; joints missing from joint_values sit at 0."""
        batch = {name: np.asarray([value], dtype=np.float64) for name, value in joint_values.items()}
        return {link: poses[0] for link, poses in self.link_poses_batch(batch, count=1).items()}

    def link_poses_batch(
        self, joint_values: Mapping[str, np.ndarray], *, count: int
    ) -> dict[str, np.ndarray]:
        """world_from_link as (count, 4, 4) for `count` joint vectors given column-wise."""
        poses: dict[str, np.ndarray] = {self.root_link: np.broadcast_to(np.eye(4), (count, 4, 4)).copy()}
        for j in self.joints:
            parent_pose = poses.get(j.parent)
            if parent_pose is None:  # a joint hanging off a link outside the tree: pose at origin
                parent_pose = np.broadcast_to(np.eye(4), (count, 4, 4))
            values = self._joint_values(j, joint_values, count)
            poses[j.child] = parent_pose @ j.parent_from_joint @ joint_motion(j, values)
        return poses

    def _joint_values(self, j: JointSpec, joint_values: Mapping[str, np.ndarray], count: int) -> np.ndarray:
        source = j.mimic_of if j.mimic_of is not None else j.name
        raw = joint_values.get(source)
        values = (
            np.zeros(count) if raw is None else np.broadcast_to(np.asarray(raw, dtype=np.float64), (count,))
        )
        if j.mimic_of is not None:
            values = j.mimic_multiplier * values + j.mimic_offset
        return values


def joint_motion(j: JointSpec, values: np.ndarray) -> np.ndarray:
    """joint_from_child for each value: a rotation about or a slide along the joint axis."""
    count = len(values)
    out = np.broadcast_to(np.eye(4), (count, 4, 4)).copy()
    if j.joint_type in ("revolute", "continuous"):
        out[:, :3, :3] = axis_angle_to_matrix(j.axis, values)
    elif j.joint_type == "prismatic":
        out[:, :3, 3] = values[:, None] * j.axis[None, :]
    return out


def axis_angle_to_matrix(axis: np.ndarray, angles: np.ndarray) -> np.ndarray:
    """(n, 3, 3) rotations about one unit axis (Rodrigues)."""
    x, y, z = axis
    k = np.array([[0, -z, y], [z, 0, -x], [-y, x, 0]], dtype=np.float64)
    s = np.sin(angles)[:, None, None]
    c = np.cos(angles)[:, None, None]
    return np.eye(3)[None] + s * k[None] + (1 - c) * (k @ k)[None]
