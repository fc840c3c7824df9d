"""The doctor's "video order" check: v3.0 video files whose episodes are out of order or overlap
(a fast save, or another tool). LeRobot loads such a dataset, but its delete_episodes and
split_dataset assume each file holds its episodes in order and would return wrong frames.
Metadata only (no decoding), so it runs on every doctor run and is never cached."""

from __future__ import annotations

from leropilot_gl.dataset.compact import video_order_warnings
from leropilot_gl.dataset.model import DatasetIndex
from leropilot_gl.dataset.problems import Severity
from leropilot_gl.quality.findings import Finding

KIND = "video_order"
MESSAGE = "LeRobot's delete/split tools would return wrong frames: compact it"


def video_order_findings(index: DatasetIndex) -> list[Finding]:
    """One dataset-level warning per video file out of order, with Compact as the suggested fix."""
    out = []
    for warning in video_order_warnings(index):
        path = warning.split(":", 1)[0]
        camera = next((k for k in index.video_keys if f"/{k}/" in f"/{path}"), None)
        out.append(
            Finding(
                KIND,
                Severity.WARNING,
                f"{path}: episodes out of order or overlapping; {MESSAGE}",
                camera=camera,
                fix={"action": "compact"},
            )
        )
    return out
