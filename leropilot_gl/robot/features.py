"""Which dataset features are the robot's state and its action, whatever a writer called them. No GL.

LeRobot writes `observation.state` and `action`; other writers use `state` / `actions`, or split
the state into groups (`observation.state.arm`, `observation.state.gripper`). The state (and
action) is then the concatenation of the chosen features' dimensions, in the dataset's order.
The user can override the choice; it is remembered per robot type (RobotPrefs).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

STATE_SPELLINGS = ("observation.state", "state", "observation.states", "observations.state", "states")
ACTION_SPELLINGS = ("action", "actions", "observation.action")
STATE_GROUP_PREFIXES = ("observation.state.", "state.")
ACTION_GROUP_PREFIXES = ("action.", "actions.")


@dataclass(frozen=True)
class MotionFeatures:
    state: tuple[str, ...]  # feature keys whose dimensions, concatenated, make the state
    action: tuple[str, ...]
    chosen: bool = False  # the user's choice, not found by name
    notes: tuple[str, ...] = field(default=())

    def describe(self) -> str:
        state = " + ".join(self.state) or "none"
        action = " + ".join(self.action) or "none"
        return f"state: {state}   action: {action}" + ("   (chosen)" if self.chosen else "")


def _find(keys: Sequence[str], spellings: Sequence[str], prefixes: Sequence[str]) -> tuple[str, ...]:
    for name in spellings:
        if name in keys:
            return (name,)
    lowered = {k.lower(): k for k in keys}
    for name in spellings:
        if name in lowered:
            return (lowered[name],)
    for prefix in prefixes:
        group = tuple(k for k in keys if k.lower().startswith(prefix) and len(k) > len(prefix))
        if group:
            return group
    return ()


def find_motion_features(
    numeric: Mapping[str, int],
    *,
    state: Sequence[str] | None = None,
    action: Sequence[str] | None = None,
) -> MotionFeatures:
    """numeric: 1-D numeric feature key -> size, in the dataset's order. state/action: a saved choice
    (used where every key still exists in this dataset, else found again by name)."""
    keys = list(numeric)
    notes = []
    chosen = False
    if state and all(k in numeric for k in state):
        state_keys, chosen = tuple(state), True
    else:
        if state:
            notes.append(f"saved state features {list(state)} are not in this dataset; found by name")
        state_keys = _find(keys, STATE_SPELLINGS, STATE_GROUP_PREFIXES)
    if action and all(k in numeric for k in action):
        action_keys, chosen = tuple(action), True
    else:
        if action:
            notes.append(f"saved action features {list(action)} are not in this dataset; found by name")
        action_keys = _find([k for k in keys if k not in state_keys], ACTION_SPELLINGS, ACTION_GROUP_PREFIXES)
    return MotionFeatures(state_keys, action_keys, chosen, tuple(notes))


_GENERATED = re.compile(r"^.+\[\d+\]$")


def _generated(names: Sequence[str], keys: Sequence[str]) -> bool:
    """Names made up from the feature key (info.json gave none): `state[3]` or the key itself."""
    return all(_GENERATED.match(n) or n in keys for n in names)


def gather(
    keys: Sequence[str], names: Mapping[str, Sequence[str]], column: Callable[[str], np.ndarray]
) -> tuple[list[str], np.ndarray] | None:
    """The dimensions of several features side by side: (names, (frames, dims)); None without keys."""
    if not keys:
        return None
    out_names: list[str] = []
    parts = []
    for key in keys:
        values = np.asarray(column(key), dtype=np.float64)
        values = values.reshape(len(values), -1)
        given = list(names.get(key) or ())
        if len(given) != values.shape[1]:
            given = [key] if values.shape[1] == 1 else [f"{key}[{i}]" for i in range(values.shape[1])]
        out_names += given
        parts.append(values)
    frames = min(len(p) for p in parts)
    return out_names, np.concatenate([p[:frames] for p in parts], axis=1)


def align_names(
    state_names: Sequence[str],
    action_names: Sequence[str],
    state_keys: Sequence[str],
    action_keys: Sequence[str],
) -> tuple[list[str], str | None]:
    """Action names to pair with the state by name. When either side has only made-up names
    (`actions[0]`) and both have as many dimensions, they pair by position; the note says so."""
    action_names = list(action_names)
    if set(state_names) & set(action_names):
        return action_names, None
    if len(state_names) == len(action_names) and (
        _generated(state_names, state_keys) or _generated(action_names, action_keys)
    ):
        return list(state_names), "action and state have no names in common: paired by position"
    return action_names, None
