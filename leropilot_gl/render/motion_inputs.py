"""The state and action columns of an episode, under whatever names the dataset gave them.

Bridges the dataset index (features, columns) and robot.features (which keys are state and
action). Runs in workers: it reads columns.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from leropilot_gl.dataset import DatasetIndex, EpisodeIndex
from leropilot_gl.robot import MotionFeatures, RobotPrefs, align_names, find_motion_features, gather


def numeric_sizes(dataset: DatasetIndex) -> dict[str, int]:
    """1-D numeric features (not the bookkeeping columns) -> dimensions, in the dataset's order."""
    return {f.key: f.size for f in dataset.numeric_features()}


def motion_features_for(dataset: DatasetIndex, prefs: RobotPrefs | None) -> MotionFeatures:
    return find_motion_features(
        numeric_sizes(dataset),
        state=prefs.state_features if prefs else None,
        action=prefs.action_features if prefs else None,
    )


@dataclass(frozen=True)
class MotionColumns:
    features: MotionFeatures
    state_names: list[str]
    state_values: np.ndarray
    action_names: list[str] | None
    action_values: np.ndarray | None
    note: str | None  # how action and state were paired, when not by name


def read_motion_columns(
    dataset: DatasetIndex, episode: EpisodeIndex, features: MotionFeatures
) -> MotionColumns:
    names = {k: f.names for k, f in dataset.features.items()}
    state = gather(features.state, names, episode.column)
    if state is None:
        raise ValueError(
            "no state feature found (looked for observation.state, state, observation.state.<group>); "
            "choose one in the Sync panel"
        )
    action = gather(features.action, names, episode.column)
    note = None
    action_names = action_values = None
    if action is not None:
        action_names, note = align_names(state[0], action[0], features.state, features.action)
        action_values = action[1]
    return MotionColumns(features, state[0], state[1], action_names, action_values, note)
