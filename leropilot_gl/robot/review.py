"""One episode prepared for 3D review: mapping, units, joint trajectories, paths, sync lags. No GL.

Built in a worker from plain arrays (the caller reads the dataset's columns); the UI only indexes
the result by frame.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from leropilot_gl.robot.mapping import JointMapping, auto_map, mapping_from_json
from leropilot_gl.robot.model import RobotModel
from leropilot_gl.robot.pose import JointTrajectories, end_effector_paths, joint_trajectories
from leropilot_gl.robot.sync import JointLag, sync_table
from leropilot_gl.robot.units import JointUnits, UnitGuess, guess_units


@dataclass(frozen=True)
class EpisodeMotion:
    frame_count: int
    fps: float
    feature_names: tuple[str, ...]  # the state's dimension names, in column order
    mapping: JointMapping
    units: JointUnits  # the units in use (the override, or the guess)
    unit_guess: UnitGuess
    state: JointTrajectories
    action: JointTrajectories | None
    end_effector_paths: dict[str, np.ndarray]  # arm -> (frames, 3), from the state
    sync_rows: list[JointLag]
    problems: list[str] = field(default_factory=list)


def episode_motion(
    robot: RobotModel,
    *,
    state_names: Sequence[str],
    state_values: np.ndarray,
    action_names: Sequence[str] | None,
    action_values: np.ndarray | None,
    fps: float,
    saved_mapping: Mapping[str, Sequence[str]] | None = None,
    units_override: JointUnits | None = None,
    codebase_version: str | None = None,
) -> EpisodeMotion:
    state_values = np.asarray(state_values, dtype=np.float64).reshape(len(state_values), -1)
    joints = [j.name for j in robot.movable_joints]
    if saved_mapping:
        mapping = mapping_from_json(saved_mapping, state_names, joints)
    else:
        mapping = auto_map(state_names, joints)
    samples = state_values
    if action_values is not None and action_names is not None and list(action_names) == list(state_names):
        samples = np.concatenate(
            [state_values, np.asarray(action_values, dtype=np.float64).reshape(len(action_values), -1)]
        )
    guess = guess_units(state_names, samples, codebase_version=codebase_version)
    units = units_override or guess.units
    state = joint_trajectories(robot, mapping, units, state_names, state_values)
    action = None
    sync_rows: list[JointLag] = []
    problems = list(mapping.describe_problems())
    if action_values is not None and action_names is not None:
        action = joint_trajectories(robot, mapping, units, action_names, action_values)
        sync_rows = episode_sync_rows(state_names, state_values, action_names, action_values, fps)
    else:
        problems.append("the dataset has no action feature: no ghost, no sync numbers")
    paths = end_effector_paths(robot, state) if len(state_values) else {}
    return EpisodeMotion(
        frame_count=len(state_values),
        fps=fps,
        feature_names=tuple(state_names),
        mapping=mapping,
        units=units,
        unit_guess=guess,
        state=state,
        action=action,
        end_effector_paths=paths,
        sync_rows=sync_rows,
        problems=problems,
    )


def episode_sync_rows(
    state_names: Sequence[str],
    state_values: np.ndarray,
    action_names: Sequence[str],
    action_values: np.ndarray,
    fps: float,
) -> list[JointLag]:
    """Lag per dimension recorded in both action and state (by name); needs no robot model."""
    common = [n for n in state_names if n in action_names]
    if not common:
        return []
    s_idx = [list(state_names).index(n) for n in common]
    a_idx = [list(action_names).index(n) for n in common]
    state_arr = np.asarray(state_values, dtype=np.float64).reshape(len(state_values), -1)
    action_arr = np.asarray(action_values, dtype=np.float64).reshape(len(action_values), -1)
    return sync_table(common, action_arr[:, a_idx], state_arr[:, s_idx], fps)
