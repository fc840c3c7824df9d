"""Robots: URDF and meshes, joint mapping, units, forward kinematics, sync lag. No imgui, no GL.

The names below load on first use: the app's first window needs none of them, and the 3D panel
reaches them when it first draws (URDF parsing and meshes on its worker).
"""

from leropilot_gl.lazy import lazy_exports

_LAZY = {
    "BUNDLED_SO101_URDF": "pose",
    "JointLag": "sync",
    "JointMapping": "mapping",
    "JointSpec": "model",
    "JointTarget": "mapping",
    "JointTrajectories": "pose",
    "JointUnits": "units",
    "MeshData": "model",
    "MotionFeatures": "features",
    "RobotLoadError": "urdf",
    "RobotModel": "model",
    "RobotPrefs": "prefs",
    "RobotPrefsStore": "prefs",
    "SINGLE_ARM": "mapping",
    "UnitGuess": "units",
    "VisualSpec": "model",
    "align_names": "features",
    "auto_map": "mapping",
    "bundled_urdf_for": "pose",
    "default_config_dir": "prefs",
    "end_effector_paths": "pose",
    "estimate_lag": "sync",
    "find_motion_features": "features",
    "gather": "features",
    "guess_units": "units",
    "is_gripper": "units",
    "joint_trajectories": "pose",
    "load_robot": "urdf",
    "mapping_from_json": "mapping",
    "normalize_joint_name": "mapping",
    "resolve_mesh_path": "urdf",
    "sync_table": "sync",
    "to_joint_values": "units",
    "world_from_arm": "pose",
}


__getattr__ = lazy_exports(__name__, _LAZY)


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
