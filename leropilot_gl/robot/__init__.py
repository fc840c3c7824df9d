"""Robots: URDF and meshes, joint mapping, units, forward kinematics, sync lag. No imgui, no GL."""

from leropilot_gl.robot.features import MotionFeatures, align_names, find_motion_features, gather
from leropilot_gl.robot.mapping import (
    SINGLE_ARM,
    JointMapping,
    JointTarget,
    auto_map,
    mapping_from_json,
    normalize_joint_name,
)
from leropilot_gl.robot.model import JointSpec, MeshData, RobotModel, VisualSpec
from leropilot_gl.robot.pose import (
    BUNDLED_SO101_URDF,
    JointTrajectories,
    bundled_urdf_for,
    end_effector_paths,
    joint_trajectories,
    world_from_arm,
)
from leropilot_gl.robot.prefs import RobotPrefs, RobotPrefsStore, default_config_dir
from leropilot_gl.robot.sync import JointLag, estimate_lag, sync_table
from leropilot_gl.robot.units import JointUnits, UnitGuess, guess_units, is_gripper, to_joint_values
from leropilot_gl.robot.urdf import RobotLoadError, load_robot, resolve_mesh_path

__all__ = [
    "BUNDLED_SO101_URDF",
    "SINGLE_ARM",
    "JointLag",
    "JointMapping",
    "JointSpec",
    "JointTarget",
    "JointTrajectories",
    "JointUnits",
    "MeshData",
    "MotionFeatures",
    "RobotLoadError",
    "RobotModel",
    "RobotPrefs",
    "RobotPrefsStore",
    "UnitGuess",
    "VisualSpec",
    "align_names",
    "auto_map",
    "bundled_urdf_for",
    "default_config_dir",
    "end_effector_paths",
    "estimate_lag",
    "find_motion_features",
    "gather",
    "guess_units",
    "is_gripper",
    "joint_trajectories",
    "load_robot",
    "mapping_from_json",
    "normalize_joint_name",
    "resolve_mesh_path",
    "sync_table",
    "to_joint_values",
    "world_from_arm",
]
