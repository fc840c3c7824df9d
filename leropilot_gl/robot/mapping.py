"""Map dataset feature names (`shoulder_pan.pos`, `left_elbow_flex.pos`) to URDF joints. No GL.

Matching ignores case, separators and the `.pos` suffix. Bimanual datasets name each arm with a
`left_` / `right_` prefix and drive two copies of one arm's URDF, called arms "left" and "right";
a single arm is arm "". Every feature that finds no joint is reported with its reason.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

SINGLE_ARM = ""
ARM_PREFIXES = ("left", "right")
POSITION_SUFFIX = ".pos"


@dataclass(frozen=True, order=True)
class JointTarget:
    arm: str  # "" for a single arm, "left" / "right" for a bimanual robot
    joint: str  # URDF joint name


@dataclass
class JointMapping:
    targets: dict[str, JointTarget]  # feature dimension name -> joint it drives
    unmapped_features: list[tuple[str, str]] = field(default_factory=list)  # (name, why), sorted
    unmapped_joints: list[str] = field(default_factory=list)  # movable joints nothing drives, sorted

    @property
    def arms(self) -> list[str]:
        return sorted({t.arm for t in self.targets.values()}) or [SINGLE_ARM]

    @property
    def empty(self) -> bool:
        return not self.targets

    def to_json(self) -> dict[str, list[str]]:
        return {name: [t.arm, t.joint] for name, t in sorted(self.targets.items())}

    def describe_problems(self) -> list[str]:
        lines = [f"{name}: {why}" for name, why in self.unmapped_features]
        if self.unmapped_joints:
            lines.append("URDF joints without data (held at 0): " + ", ".join(self.unmapped_joints))
        if not self.targets:
            lines.insert(0, "no dataset feature matches a joint of this URDF")
        return lines


def normalize_joint_name(name: str) -> str:
    """`Shoulder_Pan.pos` -> `shoulderpan`: case, separators and the position suffix ignored."""
    lowered = name.strip().lower()
    if lowered.endswith(POSITION_SUFFIX):
        lowered = lowered[: -len(POSITION_SUFFIX)]
    return re.sub(r"[\s_\-./:]+", "", lowered)


def _suffix(name: str) -> str | None:
    """The `.xxx` suffix of a LeRobot motor feature name, or None for a bare name."""
    stem, dot, suffix = name.rpartition(".")
    return suffix.lower() if dot and stem and suffix.isalpha() else None


def auto_map(feature_names: Sequence[str], joint_names: Sequence[str]) -> JointMapping:
    """Match features to movable joints by name; unmatched ones are reported, never guessed."""
    by_normal = {normalize_joint_name(j): j for j in joint_names}
    targets: dict[str, JointTarget] = {}
    unmapped: list[tuple[str, str]] = []
    taken: dict[JointTarget, str] = {}
    for name in feature_names:
        suffix = _suffix(name)
        if suffix is not None and suffix != POSITION_SUFFIX[1:]:
            unmapped.append((name, f"not a joint position (.{suffix})"))
            continue
        target = _match(name, by_normal)
        if target is None:
            unmapped.append((name, "no URDF joint has this name"))
            continue
        if target in taken:
            unmapped.append((name, f"joint {target.joint} is already driven by {taken[target]}"))
            continue
        taken[target] = name
        targets[name] = target
    return _finish(targets, unmapped, joint_names)


def _match(name: str, by_normal: Mapping[str, str]) -> JointTarget | None:
    normal = normalize_joint_name(name)
    if normal in by_normal:  # also covers URDFs that model both arms with prefixed joint names
        return JointTarget(SINGLE_ARM, by_normal[normal])
    for arm in ARM_PREFIXES:
        if normal.startswith(arm) and normal[len(arm) :] in by_normal:
            return JointTarget(arm, by_normal[normal[len(arm) :]])
    return None


def mapping_from_json(
    data: Mapping[str, Sequence[str]], feature_names: Sequence[str], joint_names: Sequence[str]
) -> JointMapping:
    """A remembered or user-edited mapping, checked against this dataset and this URDF."""
    joints = set(joint_names)
    targets: dict[str, JointTarget] = {}
    unmapped: list[tuple[str, str]] = []
    for name in feature_names:
        entry = data.get(name)
        if entry is None:
            unmapped.append((name, "not mapped"))
        elif len(entry) != 2 or entry[1] not in joints:
            unmapped.append((name, f"mapped to {entry[-1] if entry else '?'!s}, which this URDF lacks"))
        else:
            targets[name] = JointTarget(str(entry[0]), str(entry[1]))
    return _finish(targets, unmapped, joint_names)


def _finish(
    targets: dict[str, JointTarget], unmapped: list[tuple[str, str]], joint_names: Sequence[str]
) -> JointMapping:
    arms = sorted({t.arm for t in targets.values()}) or [SINGLE_ARM]
    driven = {(t.arm, t.joint) for t in targets.values()}
    idle = sorted(f"{arm}:{j}" if arm else j for arm in arms for j in joint_names if (arm, j) not in driven)
    return JointMapping(targets, sorted(unmapped), idle)
