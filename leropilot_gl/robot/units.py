"""Joint units of recorded data and their conversion to URDF joint values. No GL.

LeRobot records SO-100/SO-101/Koch body joints either in degrees (the default from lerobot 0.4.4)
or on a -100..100 scale spanning the calibrated range; the gripper is always 0..100. info.json
does not say which, so the units are guessed from the values and the reason is shown.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum

import numpy as np

from leropilot_gl.robot.mapping import normalize_joint_name
from leropilot_gl.robot.model import JointSpec

RADIANS_LIMIT = 2 * math.pi + 0.05
RANGE_100_END = 100.0
GRIPPER_WORDS = ("gripper", "jaw", "claw", "finger")


class JointUnits(str, Enum):
    RADIANS = "radians"
    DEGREES = "degrees"
    RANGE_100 = "range_100"  # -100..100 mapped onto the joint limits (gripper 0..100)

    @property
    def label(self) -> str:
        return {"radians": "radians", "degrees": "degrees", "range_100": "-100..100"}[self.value]


@dataclass(frozen=True)
class UnitGuess:
    units: JointUnits
    reason: str


def is_gripper(name: str) -> bool:
    normal = normalize_joint_name(name)
    return any(word in normal for word in GRIPPER_WORDS)


def guess_units(
    names: Sequence[str], values: np.ndarray, *, codebase_version: str | None = None
) -> UnitGuess:
    """Guess the units of (rows, len(names)) joint values; grippers and non-positions are ignored."""
    values = (
        np.asarray(values, dtype=np.float64).reshape(len(values), -1) if len(values) else np.zeros((0, 0))
    )
    body = [i for i, n in enumerate(names) if not is_gripper(n) and _is_position(n) and i < values.shape[1]]
    column = values[:, body] if body else np.zeros((0, 0))
    column = column[np.isfinite(column)]
    if column.size == 0:
        return UnitGuess(
            JointUnits.DEGREES, "no joint position values to judge; degrees is LeRobot's default"
        )
    largest = float(np.max(np.abs(column)))
    if largest <= RADIANS_LIMIT:
        return UnitGuess(JointUnits.RADIANS, f"largest |value| is {largest:.2f}, within ±2π: radians")
    if largest > RANGE_100_END + 0.5:
        return UnitGuess(JointUnits.DEGREES, f"values reach {largest:.1f}, beyond ±100: degrees")
    at_end = int(np.count_nonzero(np.abs(np.abs(column) - RANGE_100_END) < 1e-3))
    if at_end:
        return UnitGuess(
            JointUnits.RANGE_100,
            f"{at_end} values sit exactly at ±100, the clamp at the ends of LeRobot's -100..100 range",
        )
    if codebase_version in ("v2.0", "v2.1"):
        return UnitGuess(
            JointUnits.RANGE_100,
            f"values within ±100 in a {codebase_version} dataset, recorded before LeRobot used degrees",
        )
    return UnitGuess(
        JointUnits.DEGREES,
        f"values within ±{largest:.0f} fit degrees and -100..100; degrees is LeRobot's default since 0.4.4",
    )


def _is_position(name: str) -> bool:
    stem, dot, suffix = name.rpartition(".")
    return not (dot and stem and suffix.isalpha()) or suffix.lower() == "pos"


def to_joint_values(values: np.ndarray, units: JointUnits, joint: JointSpec, *, gripper: bool) -> np.ndarray:
    """Recorded values -> URDF joint values (radians), for one joint."""
    values = np.asarray(values, dtype=np.float64)
    lower, upper = (joint.lower, joint.upper) if joint.has_limits else (-math.pi, math.pi)
    if gripper and units is not JointUnits.RADIANS:  # LeRobot's gripper is 0..100 in both modes
        return lower + np.clip(values, 0.0, 100.0) / 100.0 * (upper - lower)
    if units is JointUnits.RADIANS:
        return values
    if units is JointUnits.DEGREES:
        return np.deg2rad(values)
    return lower + (np.clip(values, -100.0, 100.0) + 100.0) / 200.0 * (upper - lower)
