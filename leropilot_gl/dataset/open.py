"""`open_dataset(root)`: the single place that maps a folder to a normalized DatasetIndex.

Reads metadata only (info.json, episode tables, parquet footers, one mp4 header per camera).
Every defect becomes a DatasetProblem; only a folder with nothing usable raises.
"""

from __future__ import annotations

import dataclasses
import json
import math
import re
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from leropilot_gl.dataset import layout as L
from leropilot_gl.dataset.episodes_table import read_episodes_v3, read_jsonl
from leropilot_gl.dataset.info import DatasetInfo
from leropilot_gl.dataset.model import (
    CameraInfo,
    ColumnReader,
    DatasetIndex,
    EpisodeColumns,
    EpisodeVideo,
    Feature,
    VideoColumns,
    numbers_to_numpy,
)
from leropilot_gl.dataset.problems import DatasetOpenError, DatasetProblem, Severity, list_some
from leropilot_gl.lazy import lazy_module

# pyarrow loads on first use: the window comes up before it (leropilot_gl/lazy.py)
pa = lazy_module("pyarrow")
pc = lazy_module("pyarrow.compute")
pq = lazy_module("pyarrow.parquet")

_FPS_TOLERANCE = 1e-3


def open_dataset(root: str | Path, *, pending_meta: Sequence[str] = ()) -> DatasetIndex:
    """Open a LeRobot dataset folder (v2.0, v2.1 or v3.0) into one read-only index.

    pending_meta: meta/ files known to be on the Hub but not here yet (a lazy open). The index then
    lists the episodes of the files present and is marked partial; info.json's totals and splits,
    which count the whole dataset, are not held against it.
    """
    root = Path(root).expanduser()
    if not root.is_dir():
        raise DatasetOpenError(
            f"{root} is not a folder: expected a LeRobot dataset folder holding {L.INFO_PATH}"
        )
    info = _read_info(root)
    version = str(info.get("codebase_version", ""))
    problems: list[DatasetProblem] = []
    if version not in L.SUPPORTED_VERSIONS:
        major = version[:2]
        if major == "v2":
            problems.append(DatasetProblem(Severity.WARNING, f"codebase_version {version!r} read as v2.1"))
            version = L.V21
        elif major == "v3":
            problems.append(DatasetProblem(Severity.WARNING, f"codebase_version {version!r} read as v3.0"))
            version = L.V30
        else:
            raise DatasetOpenError(
                f"{root / L.INFO_PATH}: codebase_version {version!r} is not supported "
                f"(expected one of {', '.join(L.SUPPORTED_VERSIONS)})"
            )
    fps = info.get("fps")
    if not isinstance(fps, int | float) or fps <= 0:
        raise DatasetOpenError(f"{root / L.INFO_PATH}: 'fps' must be a positive number, found {fps!r}")
    raw_features = info.get("features")
    if not isinstance(raw_features, dict) or not raw_features:
        raise DatasetOpenError(f"{root / L.INFO_PATH}: 'features' must be a non-empty object")

    features, cameras = _read_features(raw_features, float(fps), problems)
    builder = _Builder(
        root=root, info=info, fps=float(fps), version=version, features=features, problems=problems
    )
    if version == L.V30:
        builder.read_v3()
    else:
        builder.read_v2()
    cameras = builder.finish_cameras(cameras)
    if not pending_meta:
        builder.check_totals()
    builder.check_tasks()
    builder.check_meta_files()

    if builder.table is None or not len(builder.table):
        raise DatasetOpenError(
            f"{root}: no episodes found. Expected episode metadata in "
            + (f"{L.EPISODES_V3_DIR}/ " if version == L.V30 else f"{L.EPISODES_V2_PATH} ")
            + f"or data files under {L.DATA_DIR}/"
            + (
                f" ({'; '.join(p.message for p in problems if p.severity is Severity.ERROR)})"
                if problems
                else ""
            )
        )
    index = DatasetIndex(
        root=root,
        version=version,
        fps=float(fps),
        robot_type=info.get("robot_type"),
        features=features,
        cameras=cameras,
        tasks=builder.tasks,
        table=builder.table,
        problems=problems,
        info=info,
        columns=ColumnReader(),
        pending_meta=tuple(pending_meta),
    )
    _read_language(index)
    if not index.usable:
        raise DatasetOpenError(
            f"{root}: none of the {len(index.episodes)} episodes has readable data: "
            # one data file shared by many episodes gives one message each: say it once
            + "; ".join(dict.fromkeys(p.message for p in problems if p.severity is Severity.ERROR))[:500]
        )
    return index


def _read_language(index: DatasetIndex) -> None:
    """Language columns and 0.4.4 subtasks as per-episode tracks (see dataset/language.py)."""
    from leropilot_gl.dataset import language

    # a generator: read_layers walks the episodes only when the dataset has language columns
    spans = ((e.episode_index, e.data_path, e.row_start, e.row_end) for e in index.episodes if e.usable)
    index.language, messages = language.read_layers(
        index.root, index.info.get("features") or {}, index.fps, spans
    )
    index.problems.extend(DatasetProblem(Severity.WARNING, m) for m in messages)


def _read_info(root: Path) -> dict[str, Any]:
    path = root / L.INFO_PATH
    if not path.is_file():
        found = ", ".join(sorted(p.name for p in root.iterdir())[:8]) or "nothing"
        raise DatasetOpenError(
            f"{root}: no {L.INFO_PATH}; a LeRobot dataset folder holds meta/, data/ (found: {found})"
        )
    try:
        info = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DatasetOpenError(f"{path} is not valid JSON: {exc}") from None
    if not isinstance(info, dict):
        raise DatasetOpenError(f"{path} must hold a JSON object, found {type(info).__name__}")
    return info


def dimension_names(key: str, shape: tuple[int, ...], names: Any) -> tuple[tuple[str, ...], str | None]:
    """Per-dimension names of a 1-D feature from any of LeRobot's spellings.

    Returns the names and, when they had to be generated although some were given, why.
    """
    size = math.prod(shape) if shape else 1
    flat: list[str] = []
    if isinstance(names, dict):
        for value in names.values():
            flat.extend(_flatten_names(value))
    elif names is not None:
        flat = _flatten_names(names)
    if names is not None and len(flat) == size:
        return tuple(flat), None
    generated = (key,) if size == 1 else tuple(f"{key}[{i}]" for i in range(size))
    why = None if names is None else f"{len(flat)} names given for {size} dimensions"
    return generated, why


def _flatten_names(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list | tuple):
        out: list[str] = []
        for v in value:
            out.extend(_flatten_names(v))
        return out
    return [str(value)]


def _read_features(
    raw: dict[str, Any], fps: float, problems: list[DatasetProblem]
) -> tuple[dict[str, Feature], dict[str, CameraInfo]]:
    features: dict[str, Feature] = {}
    cameras: dict[str, CameraInfo] = {}
    for key, spec in raw.items():
        if not isinstance(spec, dict):
            problems.append(DatasetProblem(Severity.WARNING, f"feature {key!r} has no description; ignored"))
            continue
        dtype = str(spec.get("dtype", "unknown"))
        shape = tuple(int(s) for s in (spec.get("shape") or ()))
        if dtype in ("video", "image"):
            axis_names = tuple(_flatten_names(spec.get("names"))) if spec.get("names") is not None else ()
            features[key] = Feature(key, dtype, shape, axis_names, spec.get("fps"))
            cameras[key] = _camera_from_spec(key, dtype, shape, axis_names, spec, fps, problems)
            continue
        names, why = dimension_names(key, shape, spec.get("names"))
        if why:
            problems.append(DatasetProblem(Severity.INFO, f"feature {key!r}: {why}; names generated"))
        features[key] = Feature(key, dtype, shape, names, spec.get("fps"))
    return features, cameras


def _camera_from_spec(
    key: str,
    dtype: str,
    shape: tuple[int, ...],
    axis_names: tuple[str, ...],
    spec: dict[str, Any],
    fps: float,
    problems: list[DatasetProblem],
) -> CameraInfo:
    meta: dict[str, Any] = {}
    for info_key in L.VIDEO_INFO_KEYS:
        if isinstance(spec.get(info_key), dict):
            meta = spec[info_key]
            if info_key != "info":
                problems.append(
                    DatasetProblem(
                        Severity.INFO,
                        f"video metadata under {info_key!r} instead of 'info' (read anyway)",
                        camera=key,
                    )
                )
            break
    height = meta.get("video.height")
    width = meta.get("video.width")
    if len(shape) == 3:
        lowered = [n.lower() for n in axis_names]
        channel_first = lowered[:1] in (["channel"], ["channels"]) or (
            shape[0] in (1, 3, 4) and shape[2] not in (1, 3, 4)
        )
        if channel_first:
            problems.append(
                DatasetProblem(
                    Severity.INFO, f"shape {list(shape)} declared channel-first (read as such)", camera=key
                )
            )
        if height is None or width is None:
            height, width = (shape[1], shape[2]) if channel_first else (shape[0], shape[1])
    video_fps = meta.get("video.fps")
    if video_fps is not None and abs(float(video_fps) - fps) > _FPS_TOLERANCE:
        problems.append(
            DatasetProblem(
                Severity.WARNING,
                f"info.json gives the video {video_fps} fps but the dataset {fps} fps; frames are looked up "
                "with the video's rate",
                camera=key,
            )
        )
    return CameraInfo(
        key=key,
        storage="video" if dtype == "video" else "image",
        width=int(width) if width is not None else None,
        height=int(height) if height is not None else None,
        codec=meta.get("video.codec"),
        fps=float(video_fps) if video_fps is not None else None,
        pix_fmt=meta.get("video.pix_fmt"),
        is_depth_map=bool(meta.get("is_depth_map") or meta.get("video.is_depth_map")),
        depth_unit=meta.get("depth_unit") or meta.get("video.depth_unit"),
        video_info=tuple(sorted((k, v) for k, v in meta.items() if k.startswith("video."))),
    )


@dataclass
class _Row:
    """One episode read one at a time (v2.x files, v3.0 rebuilt from data)."""

    episode_index: int
    length: int
    tasks: tuple[str, ...]
    data_path: Path
    row_start: int
    row_end: int
    videos: dict[str, EpisodeVideo]


@dataclass
class _DataFile:
    path: Path
    num_rows: int | None
    columns: frozenset[str]
    error: str | None


def _read_footer(path: Path) -> _DataFile:
    try:
        meta = pq.read_metadata(path)
        return _DataFile(path, meta.num_rows, frozenset(meta.schema.names), None)
    except FileNotFoundError:
        return _DataFile(path, None, frozenset(), "file is missing")
    except Exception as exc:  # pyarrow raises several types for damaged files
        return _DataFile(path, None, frozenset(), f"unreadable parquet ({exc})")


def _ints(table: pa.Table, name: str) -> np.ndarray:
    """An integer column as int64 numpy, nulls (and a missing column) as -1."""
    if name not in table.column_names:
        return np.full(table.num_rows, -1, dtype=np.int64)
    try:
        return numbers_to_numpy(table.column(name), dtype="int64", fill=-1)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, TypeError):
        return np.full(table.num_rows, -1, dtype=np.int64)


def _floats(table: pa.Table, name: str) -> np.ndarray:
    """A float column as float64 numpy, nulls (and a missing column) as NaN."""
    if name not in table.column_names:
        return np.full(table.num_rows, np.nan)
    try:
        return numbers_to_numpy(table.column(name), dtype="float64", fill=np.nan)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, TypeError):
        return np.full(table.num_rows, np.nan)


def _files_of(keys: np.ndarray, valid: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct (chunk, file) keys and, per row, the id of its file (-1 where not valid)."""
    ids = np.full(len(keys), -1, dtype=np.int32)
    placed = keys[valid]
    if len(placed) and bool((placed[1:] >= placed[:-1]).all()):
        # The usual table: rows in file order. One pass instead of np.unique's sort.
        first = np.empty(len(placed), dtype=bool)
        first[0] = True
        np.not_equal(placed[1:], placed[:-1], out=first[1:])
        ids[valid] = np.cumsum(first) - 1
        return placed[first], ids
    uniq, inverse = np.unique(placed, return_inverse=True)
    ids[valid] = inverse
    return uniq, ids


_FILE_KEY = 1 << 24  # chunk * _FILE_KEY + file: one integer per (chunk, file)


def _follow_in_file(file_ids: np.ndarray, order_key: np.ndarray, seconds: np.ndarray) -> np.ndarray:
    """Start time of each row in its file when the rows of one file follow each other from 0."""
    starts = np.full(len(file_ids), np.nan)
    rows = np.flatnonzero(file_ids >= 0)
    if len(rows) == 0:
        return starts
    order = rows[np.lexsort((order_key[rows], file_ids[rows]))]
    durations = seconds[order]
    before = np.cumsum(durations) - durations  # sum of all earlier rows, across files
    group = file_ids[order]
    first = np.r_[True, group[1:] != group[:-1]]
    group_start = np.maximum.accumulate(np.where(first, np.arange(len(order)), 0))
    starts[order] = before - before[group_start]
    return starts


class _Builder:
    def __init__(
        self,
        *,
        root: Path,
        info: dict[str, Any],
        fps: float,
        version: str,
        features: dict[str, Feature],
        problems: list[DatasetProblem],
    ) -> None:
        self.root = root
        self.info = info
        self.meta = DatasetInfo.from_dict(info)
        self.fps = fps
        self.version = version
        self.features = features
        self.problems = problems
        self.table: EpisodeColumns | None = None
        self.tasks: dict[int, str] = {}
        self.data_files: dict[Path, _DataFile] = {}
        self.video_keys = [k for k, f in features.items() if f.dtype == "video"]
        self._videos_listing: list[Path] | None = None
        self._told_frame_index = False

    def problem(self, severity: Severity, message: str, **where: Any) -> None:
        self.problems.append(DatasetProblem(severity, message, **where))

    def rel(self, path: Path) -> str:
        return str(path.relative_to(self.root)) if path.is_relative_to(self.root) else str(path)

    def episodes_problem(
        self, severity: Severity, message: str, episodes: np.ndarray, *, total: int, **where: Any
    ) -> None:
        """One problem for many episodes: `7 of 100 episodes: <message> (0, 3, 6, ...)`."""
        eps = np.unique(np.asarray(episodes, dtype=np.int64))
        if len(eps) == 0:
            return
        if len(eps) == 1:
            self.problem(severity, message, episode_index=int(eps[0]), **where)
            return
        self.problem(
            severity,
            f"{len(eps)} of {total} episodes: {message} (episodes {list_some(eps)})",
            episodes=tuple(int(e) for e in eps),
            **where,
        )

    @property
    def episode_count(self) -> int:
        return 0 if self.table is None else len(self.table)

    # ---------------------------------------------------------------- v3.0
    def read_v3(self) -> None:
        self.tasks = self._read_tasks_v3()
        read = read_episodes_v3(self.root)
        for path, why in read.errors:
            self.problem(Severity.ERROR, f"episode table {self.rel(path)} is {why}", path=path)
        if not read.files:
            self.problem(
                Severity.ERROR,
                f"{L.EPISODES_V3_DIR}/ holds no episode table; episodes rebuilt from the data files, "
                "camera positions unknown",
            )
        table = read.table
        if table is None or table.num_rows == 0:
            self._rebuild_from_data_v3()
            return
        required = {
            L.EP_EPISODE_INDEX,
            L.EP_LENGTH,
            L.EP_FROM_INDEX,
            L.EP_TO_INDEX,
            L.EP_DATA_CHUNK,
            L.EP_DATA_FILE,
        }
        missing = required - set(table.column_names)
        if missing:
            self.problem(
                Severity.ERROR, f"episode table lacks columns {sorted(missing)}; episodes rebuilt from data"
            )
            self._rebuild_from_data_v3()
            return
        ep = _ints(table, L.EP_EPISODE_INDEX)
        chunk, file = _ints(table, L.EP_DATA_CHUNK), _ints(table, L.EP_DATA_FILE)
        lacking = (chunk < 0) | (file < 0) | (ep < 0)
        if lacking.any():
            self.episodes_problem(
                Severity.ERROR,
                "episode row lacks its data file index",
                ep[lacking & (ep >= 0)],
                total=len(ep),
            )
            table = table.filter(pa.array(~lacking))
            ep, chunk, file = ep[~lacking], chunk[~lacking], file[~lacking]
        n = len(ep)
        if n == 0:
            return
        total = n
        length = _ints(table, L.EP_LENGTH)
        from_index, to_index = _ints(table, L.EP_FROM_INDEX), _ints(table, L.EP_TO_INDEX)
        uniq, data_file = _files_of(chunk * _FILE_KEY + file, np.ones(n, dtype=bool))
        template = self.meta.data_template
        data_paths = [
            self.root / template.format(chunk_index=int(k // _FILE_KEY), file_index=int(k % _FILE_KEY))
            for k in uniq
        ]
        self._load_footers(set(data_paths))
        # Row offsets inside shared files: the episodes of one file are contiguous in global index.
        first = np.full(len(data_paths), np.iinfo(np.int64).max)
        np.minimum.at(first, data_file, from_index)
        row_start = from_index - first[data_file]
        row_end = row_start + length
        disagree = (to_index - from_index) != length
        if disagree.any():
            self.episodes_problem(
                Severity.WARNING,
                "length disagrees with the dataset index range (dataset_to_index - dataset_from_index)",
                ep[disagree],
                total=total,
            )
        num_rows = np.array(
            [-1 if (r := self.data_files[p].num_rows) is None else r for p in data_paths], dtype=np.int64
        )
        for fid, path in enumerate(data_paths):
            df = self.data_files[path]
            if df.error:
                self.episodes_problem(
                    Severity.ERROR,
                    f"{self.rel(path)}: {df.error}",
                    ep[data_file == fid],
                    total=total,
                    path=path,
                )
        short = (num_rows[data_file] >= 0) & (row_end > num_rows[data_file])
        for fid in np.unique(data_file[short]):
            path = data_paths[fid]
            self.episodes_problem(
                Severity.ERROR,
                f"{self.rel(path)} holds {num_rows[fid]} rows, fewer than the episode needs",
                ep[short & (data_file == fid)],
                total=total,
                path=path,
            )
        used = np.zeros(len(data_paths), dtype=np.int64)
        np.maximum.at(used, data_file, row_end)
        for fid, path in enumerate(data_paths):
            if num_rows[fid] >= 0 and num_rows[fid] != used[fid]:
                self.problem(
                    Severity.WARNING,
                    f"{self.rel(path)} holds {num_rows[fid]} rows; the episode table accounts for {used[fid]}",
                    path=path,
                )
        tasks = (
            table.column(L.EP_TASKS).combine_chunks()
            if L.EP_TASKS in table.column_names and pa.types.is_list(table.column(L.EP_TASKS).type)
            else pa.nulls(n, pa.list_(pa.string()))
        )
        self.table = EpisodeColumns(
            episode_index=ep,
            length=length,
            row_start=row_start,
            row_end=row_end,
            data_file=data_file,
            data_paths=data_paths,
            tasks=tasks,
            videos={
                key: self._video_columns_v3(table, key, ep, length, from_index) for key in self.video_keys
            },
        )

    def _video_columns_v3(
        self, table: pa.Table, key: str, ep: np.ndarray, length: np.ndarray, from_index: np.ndarray
    ) -> VideoColumns:
        """Per-camera file and time range (merged datasets keep one video file per source)."""
        n = len(ep)
        chunk = _ints(table, L.ep_video_column(key, "chunk_index"))
        file = _ints(table, L.ep_video_column(key, "file_index"))
        from_s = _floats(table, L.ep_video_column(key, "from_timestamp"))
        to_s = _floats(table, L.ep_video_column(key, "to_timestamp"))
        placed = (chunk >= 0) & (file >= 0)
        uniq, file_ids = _files_of(chunk * _FILE_KEY + file, placed)
        untimed = placed & (np.isnan(from_s) | np.isnan(to_s))
        if untimed.any():
            # A writer that gave files but no times: a file's first episode starts at 0, the next
            # ones follow the previous lengths.
            seconds = length / self.fps
            starts = _follow_in_file(file_ids, from_index, seconds)
            from_s = np.where(untimed, starts, from_s)
            to_s = np.where(untimed, starts + seconds, to_s)
            self.problem(
                Severity.INFO,
                f"the episode table gives this camera's file but no from/to timestamps for "
                f"{int(untimed.sum())} of {n} episodes; positions inferred: each file's first episode "
                f"starts at 0 s, the next ones follow the previous episodes' lengths at {self.fps:g} fps",
                camera=key,
            )
        if not placed.all():
            self.episodes_problem(
                Severity.ERROR, "no video position in the episode table", ep[~placed], total=n, camera=key
            )
        template = self.meta.video_template
        paths = [
            self.root
            / template.format(video_key=key, chunk_index=int(k // _FILE_KEY), file_index=int(k % _FILE_KEY))
            for k in uniq
        ]
        exists = np.array([p.is_file() for p in paths], dtype=bool)
        return VideoColumns(file_ids, from_s, to_s, paths, exists)

    def _read_tasks_v3(self) -> dict[int, str]:
        path = self.root / L.TASKS_V3_PATH
        if not path.is_file():
            self.problem(Severity.WARNING, f"{L.TASKS_V3_PATH} is missing; task names unknown", path=path)
            return {}
        try:
            table = pq.ParquetFile(path).read()
        except Exception as exc:
            self.problem(Severity.WARNING, f"{L.TASKS_V3_PATH} is unreadable ({exc})", path=path)
            return {}
        names = table.schema.names
        text_col = "task" if "task" in names else next((n for n in names if n != L.TASK_INDEX), None)
        if text_col is None or L.TASK_INDEX not in names:
            self.problem(Severity.WARNING, f"{L.TASKS_V3_PATH} has no task column", path=path)
            return {}
        return {
            int(i): str(t)
            for i, t in zip(
                table.column(L.TASK_INDEX).to_pylist(), table.column(text_col).to_pylist(), strict=True
            )
        }

    def _rebuild_from_data_v3(self) -> None:
        files = sorted((self.root / L.DATA_DIR).glob(L.PARQUET_CHUNK_FILE_GLOB))
        self._load_footers(set(files))
        rows: list[_Row] = []
        for path in files:
            df = self.data_files[path]
            if df.error:
                self.problem(Severity.ERROR, f"{self.rel(path)}: {df.error}", path=path)
                continue
            rows.extend(self._episodes_from_rows(path))
        self.table = self._columns_from_rows(rows)

    # ---------------------------------------------------------------- v2.x
    def read_v2(self) -> None:
        self.tasks = self._read_tasks_v2()
        rows = self._read_jsonl(L.EPISODES_V2_PATH)
        data_template = self.meta.data_template
        video_template = self.meta.video_template
        chunks_size = self.meta.chunks
        if rows is None:
            self.problem(
                Severity.ERROR, f"{L.EPISODES_V2_PATH} is missing; episodes rebuilt from the data files"
            )
            files = sorted((self.root / L.DATA_DIR).glob(L.V2_DATA_GLOB))
            rows = []
            for path in files:
                m = re.search(r"episode_(\d+)", path.stem)
                if m:
                    rows.append({"episode_index": int(m.group(1)), "length": None, "tasks": []})
        rows = [r for r in rows if isinstance(r.get("episode_index"), int)]
        paths = {
            int(r["episode_index"]): self.root
            / data_template.format(
                episode_chunk=int(r["episode_index"]) // chunks_size, episode_index=int(r["episode_index"])
            )
            for r in rows
        }
        self._load_footers(set(paths.values()))
        out: list[_Row] = []
        for row in sorted(rows, key=lambda r: int(r["episode_index"])):
            ep = int(row["episode_index"])
            path = paths[ep]
            df = self.data_files[path]
            length = row.get("length")
            if length is None:
                length = df.num_rows or 0
            length = int(length)
            if df.num_rows is not None and df.num_rows != length:
                self.problem(
                    Severity.WARNING,
                    f"episodes metadata says {length} frames, the data file holds {df.num_rows}; using the data",
                    episode_index=ep,
                )
                length = df.num_rows
            self._check_data_file(ep, path, length)
            videos = {}
            for key in self.video_keys:
                vpath = self.root / video_template.format(
                    episode_chunk=ep // chunks_size, video_key=key, episode_index=ep
                )
                videos[key] = self._locate_v2_video(ep, key, vpath, length)
            tasks = tuple(str(t) for t in (row.get("tasks") or ()))
            out.append(_Row(ep, length, tasks, path, 0, length, videos))
        self.table = self._columns_from_rows(out)
        if self.version == L.V20 and self.info.get("total_chunks") is not None and out:
            expected_chunks = max(r.episode_index for r in out) // chunks_size + 1
            if int(self.info["total_chunks"]) != expected_chunks:
                self.problem(
                    Severity.INFO,
                    f"info.json says total_chunks={self.info['total_chunks']}, the episodes span {expected_chunks}",
                )

    def _locate_v2_video(self, ep: int, key: str, expected: Path, length: int) -> EpisodeVideo:
        to_s = length / self.fps
        if expected.is_file():
            return EpisodeVideo(key, expected, 0.0, to_s, True)
        # Some exporters put videos in other folders: look for this camera's file by name.
        name = expected.name
        for candidate in self._list_videos():
            if candidate.name == name and key in candidate.parts:
                self.problem(
                    Severity.WARNING,
                    f"video found in an unexpected folder: {candidate.relative_to(self.root)} "
                    f"(expected {expected.relative_to(self.root)})",
                    episode_index=ep,
                    camera=key,
                    path=candidate,
                )
                return EpisodeVideo(key, candidate, 0.0, to_s, True)
        return EpisodeVideo(key, expected, 0.0, to_s, False)

    def _list_videos(self) -> list[Path]:
        if self._videos_listing is None:
            vdir = self.root / L.VIDEO_DIR
            self._videos_listing = sorted(vdir.rglob("*.mp4")) if vdir.is_dir() else []
        return self._videos_listing

    def _read_tasks_v2(self) -> dict[int, str]:
        rows = self._read_jsonl(L.TASKS_V2_PATH)
        if rows is None:
            self.problem(Severity.WARNING, f"{L.TASKS_V2_PATH} is missing; task names unknown")
            return {}
        return {int(r["task_index"]): str(r["task"]) for r in rows if "task_index" in r and "task" in r}

    def _read_jsonl(self, rel: str) -> list[dict[str, Any]] | None:
        path = self.root / rel
        rows, bad = read_jsonl(path)
        for lineno in bad:
            self.problem(Severity.WARNING, f"{rel} line {lineno} is not valid JSON; skipped", path=path)
        return rows

    # ---------------------------------------------------------------- shared
    def _columns_from_rows(self, rows: list[_Row]) -> EpisodeColumns:
        """Columns from per-episode rows (v2.x, or v3.0 rebuilt from data): one file per episode there."""
        rows = sorted({r.episode_index: r for r in rows}.values(), key=lambda r: r.episode_index)
        data_paths = list(dict.fromkeys(r.data_path for r in rows))
        data_id = {p: i for i, p in enumerate(data_paths)}
        videos: dict[str, VideoColumns] = {}
        for key in self.video_keys:
            paths: dict[Path, bool] = {}
            for r in rows:
                if key in r.videos:
                    paths.setdefault(r.videos[key].path, r.videos[key].exists)
            ids = {p: i for i, p in enumerate(paths)}
            videos[key] = VideoColumns(
                file=np.array(
                    [ids[r.videos[key].path] if key in r.videos else -1 for r in rows], dtype=np.int32
                ),
                from_s=np.array([r.videos[key].from_s if key in r.videos else np.nan for r in rows]),
                to_s=np.array([r.videos[key].to_s if key in r.videos else np.nan for r in rows]),
                paths=list(paths),
                exists=np.array(list(paths.values()), dtype=bool),
            )
        return EpisodeColumns(
            episode_index=np.array([r.episode_index for r in rows], dtype=np.int64),
            length=np.array([r.length for r in rows], dtype=np.int64),
            row_start=np.array([r.row_start for r in rows], dtype=np.int64),
            row_end=np.array([r.row_end for r in rows], dtype=np.int64),
            data_file=np.array([data_id[r.data_path] for r in rows], dtype=np.int32),
            data_paths=data_paths,
            tasks=pa.array([list(r.tasks) for r in rows], type=pa.list_(pa.string())),
            videos=videos,
        )

    def _load_footers(self, paths: set[Path]) -> None:
        todo = sorted(p for p in paths if p not in self.data_files)
        if len(todo) > 16:
            with ThreadPoolExecutor(max_workers=8) as pool:
                results = list(pool.map(_read_footer, todo))
        else:
            results = [_read_footer(p) for p in todo]
        for df in results:
            self.data_files[df.path] = df
            if df.error is None and L.FRAME_INDEX not in df.columns and not self._told_frame_index:
                self._told_frame_index = True
                self.problem(
                    Severity.WARNING,
                    f"data has no '{L.FRAME_INDEX}' column; frame numbers taken from row order",
                    path=df.path,
                )

    def _check_data_file(self, ep: int, path: Path, rows_needed: int) -> None:
        df = self.data_files[path]
        rel = self.rel(path)
        if df.error:
            self.problem(Severity.ERROR, f"{rel}: {df.error}", episode_index=ep, path=path)
        elif df.num_rows is not None and df.num_rows < rows_needed:
            self.problem(
                Severity.ERROR,
                f"{rel} holds {df.num_rows} rows, the episode needs rows up to {rows_needed}",
                episode_index=ep,
                path=path,
            )

    def _episodes_from_rows(self, path: Path) -> list[_Row]:
        table = pq.ParquetFile(path).read(columns=[L.EPISODE_INDEX])
        values = _ints(table, L.EPISODE_INDEX)
        if len(values) == 0:
            return []
        cuts = np.flatnonzero(np.diff(values)) + 1
        starts = np.r_[0, cuts]
        ends = np.r_[cuts, len(values)]
        return [
            _Row(int(values[s]), int(e - s), (), path, int(s), int(e), {})
            for s, e in zip(starts, ends, strict=True)
        ]

    def finish_cameras(self, cameras: dict[str, CameraInfo]) -> dict[str, CameraInfo]:
        """Report cameras without files, and read codec, size and fps from one real file each."""
        out = dict(cameras)
        if self.table is None:
            return out
        eps = self.table.episode_index
        total = len(eps)
        for key in self.video_keys:
            vc = self.table.videos.get(key)
            if vc is None:
                continue
            placed = vc.file >= 0
            if not placed.any():
                continue
            present_files = np.flatnonzero(vc.exists)
            if not np.isin(vc.file[placed], present_files).any():
                self.problem(
                    Severity.WARNING,
                    f"camera declared in info.json but none of its {int(placed.sum())} episode videos exist",
                    camera=key,
                )
                continue
            for fid in np.flatnonzero(~vc.exists):
                path = vc.paths[fid]
                self.episodes_problem(
                    Severity.ERROR,
                    f"video file missing: {self.rel(path)}",
                    eps[vc.file == fid],
                    total=total,
                    camera=key,
                    path=path,
                )
            out[key] = self._probe_camera(out[key], vc.paths[int(present_files[0])])
        return out

    def _probe_camera(self, camera: CameraInfo, path: Path) -> CameraInfo:
        from leropilot_gl.dataset.probe import probe_video

        probed = probe_video(path)
        if probed.error:
            self.problem(
                Severity.ERROR, f"{path.relative_to(self.root)}: {probed.error}", camera=camera.key, path=path
            )
            return camera
        if (
            probed.fps
            and abs(probed.fps - self.fps) > _FPS_TOLERANCE
            and (camera.fps is None or abs(camera.fps - probed.fps) > _FPS_TOLERANCE)
        ):
            self.problem(
                Severity.WARNING,
                f"the video runs at {probed.fps:g} fps, the dataset at {self.fps:g} fps; frames are looked up "
                "with the video's rate",
                camera=camera.key,
                path=path,
            )
        return dataclasses.replace(
            camera,
            width=probed.width or camera.width,
            height=probed.height or camera.height,
            codec=probed.codec or camera.codec,
            fps=probed.fps or camera.fps,
            pix_fmt=probed.pix_fmt or camera.pix_fmt,
        )

    def check_tasks(self) -> None:
        if self.table is None:
            return
        counts = numbers_to_numpy(pc.list_value_length(self.table.tasks), dtype="int64", fill=0)
        multi = np.flatnonzero(counts > 1)
        if len(multi):
            first = int(multi[0])
            self.problem(
                Severity.INFO,
                f"{len(multi)} of {len(counts)} episodes list more than one task "
                f"(episode {int(self.table.episode_index[first])}: "
                f"{', '.join(repr(t) for t in self.table.tasks_at(first))})",
            )

    def check_meta_files(self) -> None:
        """Name files in meta/ that are not part of the LeRobot format (other tools' extras)."""
        known = {
            Path(p).name
            for p in (L.INFO_PATH, L.STATS_PATH, L.TASKS_V3_PATH, L.EPISODES_V3_DIR, L.TASKS_V2_PATH)
            + (L.EPISODES_V2_PATH, L.EPISODES_STATS_V21_PATH, "meta/subtasks.parquet")
        }
        meta_dir = (self.root / L.INFO_PATH).parent
        extra = sorted(
            p.name for p in meta_dir.iterdir() if p.name not in known and not p.name.startswith(".")
        )
        if extra:
            self.problem(
                Severity.INFO,
                f"{meta_dir.name}/ holds files outside the LeRobot format (ignored): {', '.join(extra)}",
            )

    def check_totals(self) -> None:
        episodes = self.episode_count
        frames = 0 if self.table is None else int(self.table.length.sum())
        declared_eps = self.info.get("total_episodes")
        declared_frames = self.info.get("total_frames")
        if declared_eps is not None and int(declared_eps) != episodes:
            self.problem(Severity.WARNING, f"info.json says total_episodes={declared_eps}, found {episodes}")
        if declared_frames is not None and int(declared_frames) != frames:
            self.problem(
                Severity.WARNING, f"info.json says total_frames={declared_frames}, the episodes hold {frames}"
            )
        declared_tasks = self.info.get("total_tasks")
        if declared_tasks is not None and self.tasks and int(declared_tasks) != len(self.tasks):
            self.problem(
                Severity.INFO, f"info.json says total_tasks={declared_tasks}, found {len(self.tasks)}"
            )
        splits = self.info.get("splits") or {}
        for name, spec in splits.items() if isinstance(splits, dict) else ():
            m = re.fullmatch(r"\s*(\d+)\s*:\s*(\d+)\s*", str(spec))
            if m and int(m.group(2)) > episodes:
                self.problem(
                    Severity.WARNING,
                    f"split {name!r} = {spec!r} reaches past the {episodes} episodes",
                )
