"""`open_dataset(root)`: the single place that maps a folder to a normalized DatasetIndex.

Reads metadata only (info.json, episode tables, parquet footers, one mp4 header per camera).
Every defect becomes a DatasetProblem; only a folder with nothing usable raises.
"""

from __future__ import annotations

import dataclasses
import json
import math
import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

from leropilot_gl.dataset import layout as L
from leropilot_gl.dataset.model import (
    CameraInfo,
    ColumnReader,
    DatasetIndex,
    EpisodeIndex,
    EpisodeVideo,
    Feature,
)
from leropilot_gl.dataset.problems import DatasetOpenError, DatasetProblem, Severity

_FPS_TOLERANCE = 1e-3


def open_dataset(root: str | Path) -> DatasetIndex:
    """Open a LeRobot dataset folder (v2.0, v2.1 or v3.0) into one read-only index."""
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
    builder.check_totals()
    builder.check_tasks()
    builder.check_meta_files()

    if not builder.episodes:
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
        episodes=builder.episodes,
        problems=problems,
        info=info,
        columns=ColumnReader(),
    )
    for ep in index.episodes:
        ep.dataset = index
        ep.problems = index.problems_for(ep.episode_index)
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

    spans = [(e.episode_index, e.data_path, e.row_start, e.row_end) for e in index.episodes if e.usable]
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
        self.fps = fps
        self.version = version
        self.features = features
        self.problems = problems
        self.episodes: list[EpisodeIndex] = []
        self.tasks: dict[int, str] = {}
        self.data_files: dict[Path, _DataFile] = {}
        self.video_keys = [k for k, f in features.items() if f.dtype == "video"]
        self._videos_listing: list[Path] | None = None

    def problem(self, severity: Severity, message: str, **where: Any) -> None:
        self.problems.append(DatasetProblem(severity, message, **where))

    # ---------------------------------------------------------------- v3.0
    def read_v3(self) -> None:
        self.tasks = self._read_tasks_v3()
        rows = self._read_episode_rows_v3()
        data_template = str(self.info.get("data_path") or L.DEFAULT_DATA_PATH_V3)
        video_template = str(self.info.get("video_path") or L.DEFAULT_VIDEO_PATH_V3)
        if rows is None:
            self._rebuild_from_data_v3()
            return
        paths = {}
        for row in rows:
            try:
                paths[row["episode_index"]] = self.root / data_template.format(
                    chunk_index=int(row[L.EP_DATA_CHUNK]), file_index=int(row[L.EP_DATA_FILE])
                )
            except (KeyError, TypeError, ValueError):
                self.problem(
                    Severity.ERROR,
                    "episode row lacks its data file index",
                    episode_index=row.get("episode_index"),
                )
        self._load_footers(set(paths.values()))
        # Row offsets inside shared files: episodes of one file are contiguous in global index.
        first_index: dict[Path, int] = {}
        for row in rows:
            path = paths.get(row["episode_index"])
            if path is not None:
                first_index[path] = min(first_index.get(path, 1 << 62), int(row[L.EP_FROM_INDEX]))
        rows_used: dict[Path, int] = {}
        for row in sorted(rows, key=lambda r: r["episode_index"]):
            ep = int(row["episode_index"])
            path = paths.get(ep)
            if path is None:
                continue
            length = int(row[L.EP_LENGTH])
            start = int(row[L.EP_FROM_INDEX]) - first_index[path]
            end = start + length
            if int(row[L.EP_TO_INDEX]) - int(row[L.EP_FROM_INDEX]) != length:
                self.problem(
                    Severity.WARNING,
                    f"length {length} disagrees with dataset index range "
                    f"[{row[L.EP_FROM_INDEX]}, {row[L.EP_TO_INDEX]})",
                    episode_index=ep,
                )
            rows_used[path] = max(rows_used.get(path, 0), end)
            self._check_data_file(ep, path, end)
            videos = {}
            for key in self.video_keys:
                try:
                    vpath = self.root / video_template.format(
                        video_key=key,
                        chunk_index=int(row[L.ep_video_column(key, "chunk_index")]),
                        file_index=int(row[L.ep_video_column(key, "file_index")]),
                    )
                    from_s = float(row[L.ep_video_column(key, "from_timestamp")])
                    to_s = float(row[L.ep_video_column(key, "to_timestamp")])
                except (KeyError, TypeError, ValueError):
                    self.problem(
                        Severity.ERROR, "no video position in the episode table", episode_index=ep, camera=key
                    )
                    continue
                videos[key] = EpisodeVideo(key, vpath, from_s, to_s, vpath.is_file())
            self.episodes.append(
                EpisodeIndex(
                    episode_index=ep,
                    length=length,
                    tasks=tuple(str(t) for t in (row.get(L.EP_TASKS) or ())),
                    data_path=path,
                    row_start=start,
                    row_end=end,
                    videos=videos,
                    dataset=None,  # type: ignore[arg-type]  # set by open_dataset
                )
            )
        for path, used in rows_used.items():
            df = self.data_files[path]
            if df.num_rows is not None and df.num_rows != used:
                self.problem(
                    Severity.WARNING,
                    f"{path.relative_to(self.root)} holds {df.num_rows} rows; the episode table accounts for {used}",
                    path=path,
                )

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

    def _read_episode_rows_v3(self) -> list[dict[str, Any]] | None:
        files = sorted((self.root / L.EPISODES_V3_DIR).glob("chunk-*/file-*.parquet"))
        if not files:
            self.problem(
                Severity.ERROR,
                f"{L.EPISODES_V3_DIR}/ holds no episode table; episodes rebuilt from the data files, "
                "camera positions unknown",
            )
            return None
        rows: list[dict[str, Any]] = []
        for path in files:
            try:
                parquet = pq.ParquetFile(path)
                schema_names = parquet.schema_arrow.names
                wanted = [n for n in schema_names if not n.startswith("stats/")]
                rows.extend(parquet.read(columns=wanted).to_pylist())
            except Exception as exc:
                self.problem(
                    Severity.ERROR,
                    f"episode table {path.relative_to(self.root)} is unreadable ({exc})",
                    path=path,
                )
        if not rows:
            return None
        required = {
            "episode_index",
            L.EP_LENGTH,
            L.EP_FROM_INDEX,
            L.EP_TO_INDEX,
            L.EP_DATA_CHUNK,
            L.EP_DATA_FILE,
        }
        missing = required - set(rows[0])
        if missing:
            self.problem(
                Severity.ERROR, f"episode table lacks columns {sorted(missing)}; episodes rebuilt from data"
            )
            return None
        return rows

    def _rebuild_from_data_v3(self) -> None:
        files = sorted((self.root / L.DATA_DIR).glob("chunk-*/file-*.parquet"))
        self._load_footers(set(files))
        for path in files:
            df = self.data_files[path]
            if df.error:
                self.problem(Severity.ERROR, f"{path.relative_to(self.root)}: {df.error}", path=path)
                continue
            self._episodes_from_rows(path)

    # ---------------------------------------------------------------- v2.x
    def read_v2(self) -> None:
        self.tasks = self._read_tasks_v2()
        rows = self._read_jsonl(L.EPISODES_V2_PATH)
        data_template = str(self.info.get("data_path") or L.DEFAULT_DATA_PATH_V2)
        video_template = str(self.info.get("video_path") or L.DEFAULT_VIDEO_PATH_V2)
        chunks_size = int(self.info.get("chunks_size") or L.DEFAULT_CHUNKS_SIZE)
        if rows is None:
            self.problem(
                Severity.ERROR, f"{L.EPISODES_V2_PATH} is missing; episodes rebuilt from the data files"
            )
            files = sorted((self.root / L.DATA_DIR).glob("chunk-*/episode_*.parquet"))
            rows = []
            for path in files:
                m = re.search(r"episode_(\d+)", path.stem)
                if m:
                    rows.append({"episode_index": int(m.group(1)), "length": None, "tasks": []})
        paths = {
            int(r["episode_index"]): self.root
            / data_template.format(
                episode_chunk=int(r["episode_index"]) // chunks_size, episode_index=int(r["episode_index"])
            )
            for r in rows
        }
        self._load_footers(set(paths.values()))
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
            self.episodes.append(
                EpisodeIndex(
                    episode_index=ep,
                    length=length,
                    tasks=tuple(str(t) for t in (row.get("tasks") or ())),
                    data_path=path,
                    row_start=0,
                    row_end=length,
                    videos=videos,
                    dataset=None,  # type: ignore[arg-type]
                )
            )
        if self.version == L.V20 and self.info.get("total_chunks") is not None and self.episodes:
            expected_chunks = max(e.episode_index for e in self.episodes) // chunks_size + 1
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
        if not path.is_file():
            return None
        rows = []
        for lineno, line in enumerate(path.read_text(encoding="utf-8", errors="replace").splitlines(), 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError:
                self.problem(Severity.WARNING, f"{rel} line {lineno} is not valid JSON; skipped", path=path)
                continue
            if isinstance(row, dict):
                rows.append(row)
        return rows

    # ---------------------------------------------------------------- shared
    def _load_footers(self, paths: set[Path]) -> None:
        todo = sorted(p for p in paths if p not in self.data_files)
        if len(todo) > 16:
            with ThreadPoolExecutor(max_workers=8) as pool:
                results = list(pool.map(_read_footer, todo))
        else:
            results = [_read_footer(p) for p in todo]
        for df in results:
            self.data_files[df.path] = df
            if (
                df.error is None
                and L.FRAME_INDEX not in df.columns
                and not getattr(self, "_told_frame_index", False)
            ):
                self._told_frame_index = True
                self.problem(
                    Severity.WARNING,
                    f"data has no '{L.FRAME_INDEX}' column; frame numbers taken from row order",
                    path=df.path,
                )

    def _check_data_file(self, ep: int, path: Path, rows_needed: int) -> None:
        df = self.data_files[path]
        rel = path.relative_to(self.root) if path.is_relative_to(self.root) else path
        if df.error:
            self.problem(Severity.ERROR, f"{rel}: {df.error}", episode_index=ep, path=path)
        elif df.num_rows is not None and df.num_rows < rows_needed:
            self.problem(
                Severity.ERROR,
                f"{rel} holds {df.num_rows} rows, the episode needs rows up to {rows_needed}",
                episode_index=ep,
                path=path,
            )

    def _episodes_from_rows(self, path: Path) -> None:
        table = pq.ParquetFile(path).read(columns=[L.EPISODE_INDEX])
        values = table.column(L.EPISODE_INDEX).to_pylist()
        start = 0
        for i in range(1, len(values) + 1):
            if i == len(values) or values[i] != values[start]:
                ep = int(values[start])
                self.episodes.append(
                    EpisodeIndex(ep, i - start, (), path, start, i, {}, dataset=None)  # type: ignore[arg-type]
                )
                start = i

    def finish_cameras(self, cameras: dict[str, CameraInfo]) -> dict[str, CameraInfo]:
        """Report cameras without files, and read codec, size and fps from one real file each."""
        out = dict(cameras)
        for key in self.video_keys:
            eps = [e for e in self.episodes if key in e.videos]
            present = [e for e in eps if e.videos[key].exists]
            if eps and not present:
                self.problem(
                    Severity.WARNING,
                    f"camera declared in info.json but none of its {len(eps)} episode videos exist",
                    camera=key,
                )
                continue
            for e in eps:
                if not e.videos[key].exists:
                    self.problem(
                        Severity.ERROR,
                        f"video file missing: {e.videos[key].path.relative_to(self.root)}",
                        episode_index=e.episode_index,
                        camera=key,
                        path=e.videos[key].path,
                    )
            if present:
                out[key] = self._probe_camera(out[key], present[0].videos[key].path)
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
        multi = [e for e in self.episodes if len(e.tasks) > 1]
        if multi:
            first = multi[0]
            self.problem(
                Severity.INFO,
                f"{len(multi)} of {len(self.episodes)} episodes list more than one task "
                f"(episode {first.episode_index}: {', '.join(repr(t) for t in first.tasks)})",
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
        episodes = len(self.episodes)
        frames = sum(e.length for e in self.episodes)
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
