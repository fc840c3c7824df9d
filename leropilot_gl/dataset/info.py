"""`meta/info.json` as one typed object. Unknown keys are kept so that saves carry them."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from leropilot_gl.dataset import layout as L

# Keys with a typed field below; every other key goes to `extra`, in its original order.
_KNOWN = (
    "codebase_version",
    "robot_type",
    "fps",
    "features",
    "total_episodes",
    "total_frames",
    "total_tasks",
    "chunks_size",
    "data_path",
    "video_path",
)


def _opt_int(value: Any) -> int | None:
    try:
        return None if value is None else int(value)
    except (TypeError, ValueError):
        return None


@dataclass
class DatasetInfo:
    codebase_version: str
    fps: float | None
    features: dict[str, Any]
    robot_type: str | None = None
    total_episodes: int | None = None
    total_frames: int | None = None
    total_tasks: int | None = None
    chunks_size: int | None = None
    data_path: str | None = None
    video_path: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)  # every key this class does not type
    key_order: tuple[str, ...] = ()  # the source's key order, kept on write

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> DatasetInfo:
        fps = raw.get("fps")
        return cls(
            codebase_version=str(raw.get("codebase_version", "")),
            fps=float(fps) if isinstance(fps, int | float) and not isinstance(fps, bool) else None,
            features=raw.get("features") if isinstance(raw.get("features"), dict) else {},
            robot_type=raw.get("robot_type"),
            total_episodes=_opt_int(raw.get("total_episodes")),
            total_frames=_opt_int(raw.get("total_frames")),
            total_tasks=_opt_int(raw.get("total_tasks")),
            chunks_size=_opt_int(raw.get("chunks_size")),
            data_path=raw.get("data_path") if isinstance(raw.get("data_path"), str) else None,
            video_path=raw.get("video_path") if isinstance(raw.get("video_path"), str) else None,
            extra={k: v for k, v in raw.items() if k not in _KNOWN},
            key_order=tuple(raw),
        )

    def to_dict(self) -> dict[str, Any]:
        typed = {
            "codebase_version": self.codebase_version,
            "robot_type": self.robot_type,
            "fps": int(self.fps) if self.fps is not None and float(self.fps).is_integer() else self.fps,
            "features": self.features,
            "total_episodes": self.total_episodes,
            "total_frames": self.total_frames,
            "total_tasks": self.total_tasks,
            "chunks_size": self.chunks_size,
            "data_path": self.data_path,
            "video_path": self.video_path,
        }
        merged = {**typed, **self.extra}
        order = list(self.key_order) + [k for k in merged if k not in self.key_order]
        # A typed key the source did not have and that is still unset stays out.
        return {
            k: merged[k] for k in order if k in merged and not (k not in self.key_order and merged[k] is None)
        }

    @classmethod
    def read(cls, root: Path) -> DatasetInfo:
        """`<root>/meta/info.json`; OSError or ValueError (bad JSON, not an object) when unreadable."""
        raw = json.loads((Path(root) / L.INFO_PATH).read_text(encoding="utf-8"))
        if not isinstance(raw, dict):
            raise ValueError(f"{Path(root) / L.INFO_PATH} must hold a JSON object")
        return cls.from_dict(raw)

    @property
    def is_v3(self) -> bool:
        return self.codebase_version.startswith("v3")

    @property
    def data_template(self) -> str:
        return self.data_path or (L.DEFAULT_DATA_PATH_V3 if self.is_v3 else L.DEFAULT_DATA_PATH_V2)

    @property
    def video_template(self) -> str:
        return self.video_path or (L.DEFAULT_VIDEO_PATH_V3 if self.is_v3 else L.DEFAULT_VIDEO_PATH_V2)

    @property
    def chunks(self) -> int:
        return self.chunks_size or L.DEFAULT_CHUNKS_SIZE

    @property
    def video_keys(self) -> list[str]:
        """Sorted keys of the features stored as mp4 files."""
        return sorted(
            k for k, f in self.features.items() if isinstance(f, dict) and f.get("dtype") == "video"
        )
