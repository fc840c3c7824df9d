"""The normalized, read-only index of a LeRobot dataset, whatever its codebase version."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from leropilot_gl.dataset.problems import DatasetProblem, Severity

# pyarrow is imported where it is used: every use follows an open (which imported it), and the
# app's window does not wait for it (the panels import this module for its types).
if TYPE_CHECKING:
    import pyarrow as pa

    from leropilot_gl.dataset.info import DatasetInfo


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
    """One episode, built on demand from the dataset's episode columns."""

    episode_index: int
    length: int
    tasks: tuple[str, ...]
    data_path: Path
    row_start: int  # rows [row_start, row_end) of data_path belong to this episode
    row_end: int
    videos: dict[str, EpisodeVideo]
    dataset: DatasetIndex = field(repr=False, compare=False)

    @property
    def problems(self) -> list[DatasetProblem]:
        return self.dataset.problems_for(self.episode_index)

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
class VideoColumns:
    """Where one camera of every episode lives: a file id per episode (-1: none) and a time range."""

    file: np.ndarray  # int32, into paths
    from_s: np.ndarray  # float64
    to_s: np.ndarray  # float64
    paths: list[Path]  # each distinct file once
    exists: np.ndarray  # bool, per path: checked once per file

    def files_out_of_order(self, tolerance_s: float) -> list[int]:
        """Ids of the files where an episode starts before the one before it in episode order ends
        (by more than tolerance_s), in the order the files first appear; without a per-episode loop."""
        rows = np.flatnonzero(self.file >= 0)  # rows are in episode order already
        order = rows[np.argsort(self.file[rows], kind="stable")]
        files = self.file[order]
        starts, ends = self.from_s[order], self.to_s[order]
        bad = (files[1:] == files[:-1]) & (starts[1:] < ends[:-1] - tolerance_s)
        found = np.unique(files[1:][bad])
        if not len(found):
            return []
        first_row = np.full(len(self.paths), len(self.file), dtype=np.int64)
        np.minimum.at(first_row, self.file[rows], rows)
        return [int(f) for f in found[np.argsort(first_row[found], kind="stable")]]


@dataclass
class EpisodeColumns:
    """The episode table as columns, one row per episode, sorted by episode_index."""

    episode_index: np.ndarray  # int64
    length: np.ndarray  # int64
    row_start: np.ndarray  # int64, inside the episode's data file
    row_end: np.ndarray
    data_file: np.ndarray  # int32, into data_paths
    data_paths: list[Path]
    tasks: pa.Array  # list<string> per episode
    videos: dict[str, VideoColumns] = field(default_factory=dict)
    # tasks_at's lookup (offsets, codes, distinct texts), built on first use
    _task_lookup: tuple[np.ndarray, np.ndarray, list[str]] | None = field(
        default=None, init=False, repr=False, compare=False
    )

    def __len__(self) -> int:
        return len(self.episode_index)

    def with_rows(
        self, keep: np.ndarray, added: Sequence[tuple[int, int, Sequence[str]]], data_path: Path
    ) -> EpisodeColumns:
        """The rows where keep is True plus episodes (index, length, tasks) that point at no
        data rows (in data_path, rows 0..0) and no video; sorted by episode index again."""
        import pyarrow as pa

        n = len(added)
        eps = np.concatenate([self.episode_index[keep], np.array([a[0] for a in added], dtype=np.int64)])
        order = np.argsort(eps, kind="stable")
        data_paths = [*self.data_paths, data_path]
        zeros = np.zeros(n, dtype=np.int64)
        tasks = pa.concat_arrays(
            [
                self.tasks.filter(pa.array(keep)).cast(pa.list_(pa.string())),
                pa.array([list(a[2]) for a in added], pa.list_(pa.string())),
            ]
        ).take(pa.array(order))
        videos = {
            key: VideoColumns(
                np.concatenate([vc.file[keep], np.full(n, -1, dtype=vc.file.dtype)])[order],
                np.concatenate([vc.from_s[keep], zeros.astype(np.float64)])[order],
                np.concatenate([vc.to_s[keep], zeros.astype(np.float64)])[order],
                vc.paths,
                vc.exists,
            )
            for key, vc in self.videos.items()
        }
        return EpisodeColumns(
            episode_index=eps[order],
            length=np.concatenate([self.length[keep], np.array([a[1] for a in added], dtype=np.int64)])[
                order
            ],
            row_start=np.concatenate([self.row_start[keep], zeros])[order],
            row_end=np.concatenate([self.row_end[keep], zeros])[order],
            data_file=np.concatenate(
                [self.data_file[keep], np.full(n, len(data_paths) - 1, dtype=self.data_file.dtype)]
            )[order],
            data_paths=data_paths,
            tasks=tasks,
            videos=videos,
        )

    def position(self, episode_index: int) -> int | None:
        """Row of an episode index, or None. O(1) for the usual 0..n-1, O(log n) otherwise."""
        eps = self.episode_index
        n = len(eps)
        if n == 0:
            return None
        guess = int(episode_index) - int(eps[0])
        if 0 <= guess < n and eps[guess] == episode_index:
            return guess
        pos = int(np.searchsorted(eps, episode_index))
        return pos if pos < n and eps[pos] == episode_index else None

    def tasks_at(self, pos: int) -> tuple[str, ...]:
        """The task texts of the episode at row pos: a few microseconds, not a pyarrow scalar each
        (walking 100,000 episodes spent half its time there)."""
        if self._task_lookup is None:
            self._task_lookup = _task_lookup(self.tasks)
        offsets, codes, words = self._task_lookup
        return tuple(words[c] for c in codes[offsets[pos] : offsets[pos + 1]].tolist())

    def first_task_rank(self) -> np.ndarray:
        """Per episode, the alphabetical rank of its first task (-1: none), for sorting by task."""
        import pyarrow.compute as pc

        firsts = pc.list_slice(self.tasks, 0, 1)
        ranks = np.full(len(self.tasks), -1, dtype=np.int64)
        flat = pc.list_flatten(firsts)
        if len(flat):
            encoded = (
                pc.dictionary_encode(flat).combine_chunks()
                if hasattr(flat, "chunks")
                else pc.dictionary_encode(flat)
            )
            words = encoded.dictionary.to_pylist()
            order = np.argsort(np.array(words, dtype=object).astype(str), kind="stable")
            rank_of_word = np.empty(len(words), dtype=np.int64)
            rank_of_word[order] = np.arange(len(words))
            codes = numbers_to_numpy(encoded.indices, dtype="int64", fill=-1)
            ranks[_primitive_to_numpy(pc.list_parent_indices(firsts))] = rank_of_word[codes]
        return ranks

    def task_text_matches(self, text: str) -> np.ndarray:
        """Per episode: does any of its tasks contain `text` (case-insensitive)?"""
        import pyarrow as pa
        import pyarrow.compute as pc

        flat = pc.list_flatten(self.tasks)
        hit = np.zeros(len(self.tasks), dtype=bool)
        if len(flat):
            found = numbers_to_numpy(
                pc.cast(pc.match_substring(flat, text, ignore_case=True), pa.uint8()), dtype="uint8", fill=0
            ).astype(bool)
            parents = _primitive_to_numpy(pc.list_parent_indices(self.tasks))
            hit[parents[found]] = True
        return hit


def _task_lookup(tasks: pa.Array | pa.ChunkedArray) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Per row the span of its tasks in `codes`, each code an index into the distinct texts."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if isinstance(tasks, pa.ChunkedArray):
        tasks = tasks.combine_chunks()
    lengths = numbers_to_numpy(pc.list_value_length(tasks), dtype="int64", fill=0)  # null list: none
    offsets = np.zeros(len(lengths) + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    flat = pc.list_flatten(tasks)  # skips null lists, as lengths counts them
    if not len(flat):
        return offsets, np.zeros(0, dtype=np.int64), []
    encoded = pc.dictionary_encode(flat.cast(pa.string()))
    words = [str(w) for w in encoded.dictionary.to_pylist()]
    words.append("None")  # a null text in a list read as str(None) before; code -1 lands here
    return offsets, numbers_to_numpy(encoded.indices, dtype="int64", fill=-1), words


class EpisodeList(Sequence[EpisodeIndex]):
    """`index.episodes`: a sequence of EpisodeIndex made on first access and kept."""

    def __init__(self, index: DatasetIndex) -> None:
        self._index = index
        self._made: dict[int, EpisodeIndex] = {}

    def __len__(self) -> int:
        return len(self._index.table)

    def __getitem__(self, item):  # type: ignore[override]
        if isinstance(item, slice):
            return [self[i] for i in range(*item.indices(len(self)))]
        pos = int(item)
        if pos < 0:
            pos += len(self)
        if not 0 <= pos < len(self):
            raise IndexError(item)
        made = self._made.get(pos)
        if made is None:
            made = self._made[pos] = self._index.make_episode(pos)
        return made

    def __iter__(self) -> Iterator[EpisodeIndex]:
        for pos in range(len(self)):
            yield self[pos]


@dataclass
class DatasetIndex:
    root: Path
    version: str
    fps: float
    robot_type: str | None
    features: dict[str, Feature]
    cameras: dict[str, CameraInfo]
    tasks: dict[int, str]
    table: EpisodeColumns
    problems: list[DatasetProblem]
    info: dict[str, Any]
    columns: ColumnReader = field(repr=False)
    # language/subtask annotations per episode index (dataset.language.read_layers)
    language: dict[int, Any] = field(default_factory=dict, repr=False)
    # meta/ files the Hub still holds for this local copy: the index lists only some episodes and
    # must not be edited (its meta/ is not whole) until it is replaced by the complete one.
    pending_meta: tuple[str, ...] = field(default=(), repr=False)
    episodes: EpisodeList = field(init=False, repr=False)
    _problem_map: dict[int, list[DatasetProblem]] = field(init=False, repr=False, default_factory=dict)
    _problem_source: tuple[object, int] = field(init=False, repr=False, default=(None, -1))

    def __post_init__(self) -> None:
        self.episodes = EpisodeList(self)

    @property
    def name(self) -> str:
        return self.root.name

    @property
    def partial(self) -> bool:
        return bool(self.pending_meta)

    @property
    def dataset_info(self) -> DatasetInfo:
        from leropilot_gl.dataset.info import DatasetInfo

        return DatasetInfo.from_dict(self.info)

    @property
    def total_frames(self) -> int:
        return int(self.table.length.sum())

    @property
    def video_keys(self) -> list[str]:
        return sorted(k for k, c in self.cameras.items() if c.storage == "video")

    def make_episode(self, pos: int) -> EpisodeIndex:
        t = self.table
        videos = {}
        for key, vc in t.videos.items():
            f = int(vc.file[pos])
            if f >= 0:
                videos[key] = EpisodeVideo(
                    key, vc.paths[f], float(vc.from_s[pos]), float(vc.to_s[pos]), bool(vc.exists[f])
                )
        return EpisodeIndex(
            episode_index=int(t.episode_index[pos]),
            length=int(t.length[pos]),
            tasks=t.tasks_at(pos),
            data_path=t.data_paths[int(t.data_file[pos])],
            row_start=int(t.row_start[pos]),
            row_end=int(t.row_end[pos]),
            videos=videos,
            dataset=self,
        )

    def episode(self, episode_index: int) -> EpisodeIndex:
        pos = self.table.position(episode_index)
        if pos is None:
            raise KeyError(f"episode {episode_index} is not in {self.root}")
        return self.episodes[pos]

    def problems_for(self, episode_index: int) -> list[DatasetProblem]:
        # Rebuilt when the problem list is replaced or grows (the Hub softens missing files).
        source = (self.problems, len(self.problems))
        if source[0] is not self._problem_source[0] or source[1] != self._problem_source[1]:
            by_episode: dict[int, list[DatasetProblem]] = {}
            for p in self.problems:
                if p.episode_index is not None:
                    by_episode.setdefault(p.episode_index, []).append(p)
                for e in p.episodes:
                    by_episode.setdefault(e, []).append(p)
            self._problem_map, self._problem_source = by_episode, source
        return self._problem_map.get(episode_index, [])

    def episodes_with_problems(self) -> set[int]:
        self.problems_for(-1)
        return set(self._problem_map)

    @property
    def usable(self) -> bool:
        self.problems_for(-1)
        broken = sum(
            1
            for ps in self._problem_map.values()
            if any(p.severity is Severity.ERROR and p.camera is None for p in ps)
        )
        return broken < len(self.table)

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
        import pyarrow.parquet as pq

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
    import pyarrow as pa

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


def numbers_to_numpy(column: pa.ChunkedArray | pa.Array, *, dtype: str, fill: float) -> np.ndarray:
    """A numeric column as `dtype` numpy with nulls replaced by `fill`.

    Done in numpy: pyarrow's fill_null with a Python value builds a scalar, which imports pandas.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    arr = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
    target = pa.from_numpy_dtype(np.dtype(dtype))
    if arr.type != target:
        arr = pc.cast(arr, target)
    if arr.null_count == 0:
        return _primitive_to_numpy(arr)
    values = np.frombuffer(
        arr.buffers()[1], dtype=dtype, count=len(arr), offset=arr.offset * np.dtype(dtype).itemsize
    ).copy()
    values[~_primitive_to_numpy(pc.is_valid(arr))] = fill
    return values


def _primitive_to_numpy(arr: pa.Array) -> np.ndarray:
    import pyarrow as pa

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
