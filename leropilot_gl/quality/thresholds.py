"""Every threshold the doctor uses, in one place, with what it means and how it scales.

Times are in seconds and turned into frames with the dataset's fps; motion thresholds are
fractions of each dimension's spread in the dataset (stats.json's std, or the data's own when
stats.json is missing), so the same numbers fit degrees, radians and LeRobot's -100..100 scale.
Override any of them with `Thresholds(**{name: value})` or `--threshold name=value` on the CLI.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, fields, replace


@dataclass(frozen=True)
class Thresholds:
    # timing: LeRobot refuses a frame whose timestamp is further than tolerance_s (default 1e-4 s)
    # from the timestamp it expects; the doctor uses the same default.
    timestamp_tolerance_s: float = 1e-4
    gap_frames: float = 1.5  # a step of more than this many frame periods is a gap (dropped frames)

    # video against data
    video_length_tolerance_frames: int = 1  # a camera range may differ from the episode by this much

    # motion: a frame is still when every action and state dimension moves less than
    # idle_motion_frac * that dimension's std from one frame to the next.
    idle_motion_frac: float = 0.003
    idle_min_s: float = 0.5  # idle start/end shorter than this is not reported
    idle_keep_s: float = 0.1  # the suggested trim keeps this much of the idle part
    frozen_actuator_min_s: float = 2.0  # a state dimension exactly constant this long ...
    frozen_actuator_min_frac: float = 0.5  # ... and for this fraction of the episode, while others move
    spike_factor: float = 8.0  # a frame-to-frame step above this many times the dataset's p99 step
    outlier_sigma: float = 8.0  # a value further than this many std from the dataset's mean

    # pixels (thumbnail gray levels, 0..255)
    black_level: float = 12.0  # mean below this and ...
    blank_std: float = 3.0  # ... spread below this: a black frame; any level with this spread: blank
    frozen_max_px: float = 3.0  # largest thumbnail change below this: the frame repeats the previous one
    boundary_min_px: float = 1.5  # a cut between episodes changes the image by at least this (mean)
    idle_still_px: float = 2.0  # for idle start/end: an image changing less than this is still (sensor noise)
    frozen_video_min_s: float = 0.5  # a camera repeating its image this long while others move
    boundary_ratio: float = 2.5  # a first/last frame this many times closer to the neighbour episode

    # dataset
    length_outlier_factor: float = 4.0  # shorter than median/f or longer than median*f
    min_task_chars: int = 3

    def key(self) -> str:
        """A short hash: cached results are only reused under the same thresholds."""
        return hashlib.sha1(json.dumps(asdict(self), sort_keys=True).encode()).hexdigest()[:12]

    def frames(self, seconds: float, fps: float) -> int:
        return max(1, round(seconds * fps))

    def with_overrides(self, overrides: dict[str, str]) -> Thresholds:
        """Values given as text (from the CLI); an unknown name or a bad value raises ValueError."""
        known = {f.name: f for f in fields(self)}
        changes = {}
        for name, text in overrides.items():
            if name not in known:
                raise ValueError(f"unknown threshold {name!r} (known: {', '.join(sorted(known))})")
            kind = type(getattr(self, name))
            try:
                changes[name] = kind(text)
            except ValueError:
                raise ValueError(f"threshold {name}: {text!r} is not a {kind.__name__}") from None
        return replace(self, **changes)


def describe() -> list[tuple[str, object, str]]:
    """(name, default, meaning) of every threshold, for --help and the README."""
    import inspect

    source = inspect.getsource(Thresholds)
    out = []
    for f in fields(Thresholds):
        comment = ""
        for line in source.splitlines():
            if line.strip().startswith(f"{f.name}:") and "#" in line:
                comment = line.split("#", 1)[1].strip()
        out.append((f.name, f.default, comment))
    return out
