"""The normalized, read-only index of a LeRobot dataset, whatever its codebase version."""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from leropilot_gl.dataset.problems import DatasetProblem, Severity


@dataclass(frozen=True)
class Feature:
    key: str
    dtype: str
    shape: tuple[int, ...]
    names: tuple[str, ...]  # one per dimension of a 1-D feature; axis names for images
    fps: float | None = None

    @property
    def is_visual(self) -> bool:
        return self.dtype in ("video", "image")

    @property
    def is_numeric(self) -> bool:
        return self.dtype.startswith(("float", "int", "uint", "bool"))

    @property
    def size(self) -> int:
        return int(np.prod(self.shape)) if self.shape else 1


@dataclass(frozen=True)
class CameraInfo:
    key: str
    storage: str  # "video" (mp4 files) or "image" (encoded inside the parquet rows)
    width: int | None
    height: int | None
    codec: str | None
    fps: float | None
    pix_fmt: str | None = None
    # LeRobot >= 0.6 depth cameras, and every `video.*` key of the feature's info, as written
    is_depth_map: bool = False
    depth_unit: str | None = None
    video_info: tuple[tuple[str, Any], ...] = ()


@dataclass(frozen=True)
class EpisodeVideo:
    """Where one camera of one episode lives: [from_s, to_s) inside an mp4."""

    video_key: str
    path: Path
    from_s: float
    to_s: float
    exists: bool


@dataclass
class EpisodeIndex:
    episode_index: int
    length: int
    tasks: tuple[str, ...]
    data_path: Path
    row_start: int  # rows [row_start, row_end) of data_path belong to this episode
    row_end: int
    videos: dict[str, EpisodeVideo]
    dataset: DatasetIndex = field(repr=False, compare=False)
    problems: list[DatasetProblem] = field(default_factory=list)

    @property
    def usable(self) -> bool:
        """False when the episode's data rows cannot be read."""
        return not any(p.severity is Severity.ERROR and p.camera is None for p in self.problems)

    @property
    def duration_s(self) -> float:
        return self.length / self.dataset.fps

    def column(self, key: str) -> np.ndarray:
        """The episode's rows of one data column: (length,) or (length, dim)."""
        return self.dataset.columns.read(self.data_path, key)[self.row_start : self.row_end]


@dataclass
class DatasetIndex:
    root: Path
    version: str
    fps: float
    robot_type: str | None
    features: dict[str, Feature]
    cameras: dict[str, CameraInfo]
    tasks: dict[int, str]
    episodes: list[EpisodeIndex]
    problems: list[DatasetProblem]
    info: dict[str, Any]
    columns: ColumnReader = field(repr=False)
    # language/subtask annotations per episode index (dataset.language.read_layers)
    language: dict[int, Any] = field(default_factory=dict, repr=False)

    @property
    def name(self) -> str:
        return self.root.name

    @property
    def total_frames(self) -> int:
        return sum(ep.length for ep in self.episodes)

    @property
    def video_keys(self) -> list[str]:
        return sorted(k for k, c in self.cameras.items() if c.storage == "video")

    def episode(self, episode_index: int) -> EpisodeIndex:
        for ep in self.episodes:
            if ep.episode_index == episode_index:
                return ep
        raise KeyError(f"episode {episode_index} is not in {self.root}")

    def problems_for(self, episode_index: int) -> list[DatasetProblem]:
        return [p for p in self.problems if p.episode_index == episode_index]

    @property
    def usable(self) -> bool:
        return any(ep.usable for ep in self.episodes)

    def numeric_features(self) -> list[Feature]:
        """Features worth plotting: numeric, at most 2-D, not bookkeeping columns."""
        from leropilot_gl.dataset.layout import DEFAULT_FEATURE_KEYS

        return [
            f
            for f in self.features.values()
            if f.is_numeric and f.key not in DEFAULT_FEATURE_KEYS and len(f.shape) <= 1
        ]


class ColumnReader:
    """Reads whole columns of data files with pyarrow (memory-mapped), bounded LRU of arrays.

    Shared by every episode of a dataset: in v3.0 many episodes live in one file, and plots of
    neighbouring episodes then cost one read.
    """

    def __init__(self, max_bytes: int = 256 * 1024 * 1024) -> None:
        self._lock = threading.Lock()
        self._cache: OrderedDict[tuple[Path, str], np.ndarray] = OrderedDict()
        self._bytes = 0
        self.max_bytes = max_bytes

    def read(self, path: Path, key: str) -> np.ndarray:
        cache_key = (path, key)
        with self._lock:
            hit = self._cache.get(cache_key)
            if hit is not None:
                self._cache.move_to_end(cache_key)
                return hit
        table = pq.ParquetFile(path, memory_map=True).read(columns=[key])
        values = column_to_numpy(table.column(key))
        with self._lock:
            if cache_key not in self._cache:
                self._cache[cache_key] = values
                self._bytes += values.nbytes
                while self._bytes > self.max_bytes and len(self._cache) > 1:
                    _, old = self._cache.popitem(last=False)
                    self._bytes -= old.nbytes
        return values

    def clear(self) -> None:
        with self._lock:
            self._cache.clear()
            self._bytes = 0


def column_to_numpy(column: pa.ChunkedArray | pa.Array) -> np.ndarray:
    """A parquet column as numpy: list columns become 2-D (rows, dim)."""
    arr = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
    if (
        pa.types.is_list(arr.type)
        or pa.types.is_fixed_size_list(arr.type)
        or pa.types.is_large_list(arr.type)
    ):
        n = len(arr)
        flat = _primitive_to_numpy(arr.flatten())
        return flat.reshape(n, -1) if n else flat.reshape(0, 0)
    return _primitive_to_numpy(arr)


def _primitive_to_numpy(arr: pa.Array) -> np.ndarray:
    # pyarrow's own to_numpy()/__array__ import pandas (about 1.5 s the first time); numbers without
    # nulls are read straight from the Arrow buffer instead, without a copy.
    if arr.null_count == 0 and (pa.types.is_floating(arr.type) or pa.types.is_integer(arr.type)):
        t = arr.type
        kind = "f" if pa.types.is_floating(t) else ("i" if pa.types.is_signed_integer(t) else "u")
        dtype = np.dtype(f"{kind}{t.bit_width // 8}")
        return np.frombuffer(
            arr.buffers()[1], dtype=dtype, count=len(arr), offset=arr.offset * dtype.itemsize
        )
    if arr.null_count == 0 and pa.types.is_boolean(arr.type):
        return _primitive_to_numpy(arr.cast(pa.uint8())).astype(bool)
    return arr.to_numpy(zero_copy_only=False)
