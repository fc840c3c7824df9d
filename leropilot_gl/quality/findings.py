"""What the doctor reports: findings with a kind, a severity, a frame range and a suggested fix."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from leropilot_gl.dataset.problems import Severity

# Every kind of finding, grouped by what it looks at (the panel filters by these).
KINDS: dict[str, str] = {
    "open": "dataset",  # what open_dataset already reports
    "timestamps": "timing",  # timestamp != frame_index / fps beyond the tolerance
    "timestamp_gap": "timing",
    "timestamp_backwards": "timing",
    "duplicate_rows": "timing",
    "video_length": "video",  # a camera's range against the episode's length
    "video_truncated": "video",  # the file holds fewer frames than its header or the episodes need
    "video_fps": "video",
    "boundary_frame": "video",  # first/last frame of the range belongs to the neighbour episode
    "video_order": "video",  # a file's episodes out of order or overlapping (quality/video_order.py)
    "frozen_video": "pixels",
    "black_frames": "pixels",
    "idle_start": "motion",
    "idle_end": "motion",
    "frozen_actuator": "motion",
    "spike": "motion",
    "outlier": "motion",
    "non_finite": "motion",
    "length_outlier": "dataset",
    "near_duplicate": "dataset",
    "stats_mismatch": "dataset",
    "task_text": "dataset",
    "manual": "manual",  # flagged by hand, with a note
}


@dataclass(frozen=True)
class Finding:
    """One defect: frames [frame_start, frame_end) of an episode (None: the whole dataset)."""

    kind: str
    severity: Severity
    message: str
    episode_index: int | None = None
    frame_start: int | None = None
    frame_end: int | None = None
    camera: str | None = None
    # A fix the doctor can apply: {"action": "trim", "start": s, "end": e} or {"action": "delete"}.
    fix: dict[str, Any] | None = field(default=None, compare=False)

    @property
    def group(self) -> str:
        return KINDS.get(self.kind, "dataset")

    def frames_text(self) -> str:
        if self.frame_start is None:
            return ""
        end = self.frame_end if self.frame_end is not None else self.frame_start + 1
        return f"{self.frame_start}" if end - self.frame_start <= 1 else f"{self.frame_start}..{end - 1}"

    def fix_text(self) -> str:
        if not self.fix:
            return ""
        if self.fix.get("action") == "trim":
            return f"trim to {self.fix['start']}..{self.fix['end'] - 1}"
        return str(self.fix.get("action"))

    def to_json(self) -> dict[str, Any]:
        out = asdict(self)
        out["severity"] = self.severity.label
        return out

    @staticmethod
    def from_json(d: dict[str, Any]) -> Finding:
        return Finding(
            kind=str(d["kind"]),
            severity=Severity[str(d["severity"]).upper()],
            message=str(d["message"]),
            episode_index=d.get("episode_index"),
            frame_start=d.get("frame_start"),
            frame_end=d.get("frame_end"),
            camera=d.get("camera"),
            fix=d.get("fix"),
        )


def sort_findings(findings: list[Finding]) -> list[Finding]:
    """Dataset-wide first, then by episode, frame, worst first."""
    return sorted(
        findings,
        key=lambda f: (
            -1 if f.episode_index is None else f.episode_index,
            f.frame_start if f.frame_start is not None else -1,
            -int(f.severity),
            f.kind,
            f.camera or "",
            f.message,
        ),
    )


def runs(mask: Any) -> list[tuple[int, int]]:
    """[start, end) of each run of True in a 1-D boolean array."""
    import numpy as np

    m = np.asarray(mask, dtype=bool)
    if not m.size:
        return []
    padded = np.concatenate(([False], m, [False]))
    edges = np.flatnonzero(padded[1:] != padded[:-1])
    return [(int(a), int(b)) for a, b in zip(edges[::2], edges[1::2], strict=True)]
