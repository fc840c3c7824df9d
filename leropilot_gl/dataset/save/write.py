"""Writing a plan's dataset into a fresh folder (the staging folder beside the dataset): mp4 files
hard-linked, data parquet sliced and re-indexed a run of episodes at a time, the episodes table,
tasks, stats and info. Nothing here touches the live dataset."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from leropilot_gl.dataset import language, layout as L
from leropilot_gl.dataset.annotations import apply_annotations
from leropilot_gl.dataset.fsio import atomic_write_json, link_or_copy
from leropilot_gl.dataset.journal import EditError
from leropilot_gl.dataset.model import DatasetIndex, column_to_numpy
from leropilot_gl.dataset.pandas_table import write_indexed_table
from leropilot_gl.dataset.save.columns import EpisodeRows
from leropilot_gl.dataset.save.plan import ProgressFn, SaveCancelled, SavePlan, SaveResult
from leropilot_gl.dataset.save.reindex import PlanSources, TableCache, reindex_episode, set_columns
from leropilot_gl.dataset.save.stats import (
    ImageStats,
    aggregate_columns,
    numeric_run_stats,
    numeric_stats,
    stats_to_json,
)
from leropilot_gl.lazy import lazy_module

# pyarrow loads on first use: the window comes up before it (leropilot_gl/lazy.py)
pa = lazy_module("pyarrow")
pq = lazy_module("pyarrow.parquet")

if TYPE_CHECKING:
    from leropilot_gl.dataset.save.swap import CrashPoints

DEFAULT_DATA_FILE_MB = 100
DEFAULT_VIDEO_FILE_MB = 200


def write_dataset(
    out: Path,
    plan: SavePlan,
    indexes: dict[str, DatasetIndex],
    report: ProgressFn,
    is_cancelled: Callable[[], bool],
    crash: CrashPoints,
) -> SaveResult:
    info = _output_info(plan.info)
    fps = float(info["fps"])
    chunks_size = int(info.get("chunks_size") or L.DEFAULT_CHUNKS_SIZE)
    video_keys = [k for k, f in info["features"].items() if f.get("dtype") == "video"]
    src = PlanSources(plan.episodes, indexes)
    n_eps = len(plan.episodes)

    # ---- videos: one output file per distinct source file, hard-linked. The dataset's own files
    # keep their paths, others take numbers no file of the old dataset used: a path never names
    # different bytes before and after the save (players may cache decoded frames by path).
    report(0.05, "linking video files")
    video_files: dict[str, dict[Path, int]] = {k: {} for k in video_keys}
    video_numbers: dict[str, np.ndarray] = {}  # per plan episode: chunk * chunks_size + file
    video_from: dict[str, np.ndarray] = {}  # per plan episode: the source episode's start in its file
    own = indexes.get(str(plan.root))
    linked = copied = 0
    for key in video_keys:
        own_numbers = _own_video_numbers(own, key, chunks_size) if own is not None else {}
        next_free = max(own_numbers.values(), default=-1) + 1
        file_ids, video_from[key] = src.video_files(key)
        missing = np.flatnonzero(file_ids < 0)
        if len(missing):
            p = int(missing[0])
            raise EditError(
                f"episode {src.source_episode[p]} of {Path(src.roots[src.root_id[p]]).name} has no {key} video "
                "(its place in the video is unknown); see the dataset's problems"
            )
        # each distinct (dataset, file) in order of first use
        combined = src.root_id.astype(np.int64) * (int(file_ids.max(initial=0)) + 1) + file_ids
        distinct, first, inverse = np.unique(combined, return_index=True, return_inverse=True)
        numbers = np.empty(len(distinct), dtype=np.int64)
        files = video_files[key]
        for d in np.argsort(first, kind="stable"):
            p = int(first[d])
            vc = src.index_of(p).table.videos[key]
            f = int(file_ids[p])
            path = vc.paths[f]
            if path in files:
                numbers[d] = files[path]
                continue
            n = own_numbers.get(path)
            if n is None:
                n, next_free = next_free, next_free + 1
            files[path] = numbers[d] = n
            if not bool(vc.exists[f]):  # kept as a reference, still missing, still reported
                continue
            dst = out / L.DEFAULT_VIDEO_PATH_V3.format(
                video_key=key, chunk_index=n // chunks_size, file_index=n % chunks_size
            )
            dst.parent.mkdir(parents=True, exist_ok=True)
            if link_or_copy(path, dst):
                linked += 1
            else:
                copied += 1
        video_numbers[key] = numbers[inverse.reshape(-1)]
        crash.step()
        if is_cancelled():
            raise SaveCancelled()

    # ---- data: rows sliced, re-indexed, timestamps rebased; runs of plain episodes of one data
    # file at a time (one take, numpy re-indexing and stats), the others one by one.
    report(0.2, "writing data")
    tasks: dict[str, int] = {}
    task_names = {str(idx.root): idx.tasks for idx in indexes.values()}
    data_limit = float(info.get("data_files_size_in_mb") or DEFAULT_DATA_FILE_MB) * 1024 * 1024
    tables = TableCache()
    pending: list[pa.Table] = []
    pending_bytes = 0
    data_file = 0
    global_index = 0
    rows = EpisodeRows()
    schema: pa.Schema | None = None
    image_stats = ImageStats(indexes)
    subtasks = language.SubtaskRemap()
    visual_keys = video_keys + _image_keys(info)

    def flush() -> None:
        nonlocal pending, pending_bytes, data_file
        if not pending:
            return
        path = out / L.DEFAULT_DATA_PATH_V3.format(
            chunk_index=data_file // chunks_size, file_index=data_file % chunks_size
        )
        path.parent.mkdir(parents=True, exist_ok=True)
        language.write_data_file(path, pending, info)
        pending, pending_bytes = [], 0
        data_file += 1

    def add(table: pa.Table, first: int, lengths: np.ndarray, ep_tasks: pa.Array, stats: dict) -> None:
        nonlocal schema, pending_bytes, global_index
        if schema is None:
            schema = table.schema
        else:
            table = language.conform(table, schema)
        if pending and pending_bytes + table.nbytes > data_limit:
            flush()
        k = len(lengths)
        ends = global_index + np.cumsum(lengths)
        columns = {
            "episode_index": np.arange(first, first + k, dtype=np.int64),
            "length": lengths.astype(np.int64),
            L.EP_DATA_CHUNK: np.full(k, data_file // chunks_size, dtype=np.int64),
            L.EP_DATA_FILE: np.full(k, data_file % chunks_size, dtype=np.int64),
            L.EP_FROM_INDEX: ends - lengths,
            L.EP_TO_INDEX: ends,
        }
        sl = slice(first, first + k)
        for key in video_keys:
            n = video_numbers[key][sl]
            start = video_from[key][sl]
            columns[L.ep_video_column(key, "chunk_index")] = n // chunks_size
            columns[L.ep_video_column(key, "file_index")] = n % chunks_size
            columns[L.ep_video_column(key, "from_timestamp")] = start + src.start[sl] / fps
            columns[L.ep_video_column(key, "to_timestamp")] = start + src.end[sl] / fps
        rows.add(columns, ep_tasks, stats)
        pending.append(table)
        pending_bytes += table.nbytes
        global_index = int(ends[-1])

    def one(new_ep: int) -> None:
        work = plan.episodes[new_ep]
        episode = src.episode(new_ep)
        s = work.slice
        table = tables.get(episode.data_path).slice(episode.row_start + s.start, s.length)
        # every column travels with its rows; language timestamps follow a trim, subtasks renumbered
        table = apply_annotations(table, work, fps, subtasks, episode.dataset.root)
        names = {i: work.task_text(t) for i, t in task_names.get(s.source_root, {}).items()}
        table, ep_tasks = reindex_episode(table, new_ep, global_index, fps, names, tasks, episode, info)
        if work.frame_values:  # reward/done marks set by hand, over the kept frames
            from leropilot_gl.dataset.frame_values import apply_frame_values

            table = apply_frame_values(table, work.frame_values, s.start, s.end)
        stats = {
            k: {n: np.asarray(v)[None] for n, v in d.items()} for k, d in numeric_stats(table, info).items()
        }
        visual = image_stats.for_episode(episode, visual_keys, s.length)
        stats.update({k: {n: np.asarray(v)[None] for n, v in d.items()} for k, d in visual.items()})
        # a rename can merge two tasks into one
        add(table, new_ep, np.array([s.length]), pa.array([list(dict.fromkeys(ep_tasks))]), stats)

    def run(first: int, last: int) -> bool:
        """Episodes first..last-1 (plain, one data file, one task naming) in one go; False when
        their rows need the one-by-one path (language columns, tasks the dataset does not name)."""
        index = src.index_of(first)
        pos = src.pos[first:last]
        lengths = src.end[first:last] - src.start[first:last]
        whole = tables.get(index.table.data_paths[int(index.table.data_file[pos[0]])])
        names_here = set(whole.column_names)
        if L.TASK_INDEX not in names_here or names_here & {
            *language.LANGUAGE_COLUMNS,
            language.SUBTASK_INDEX,
        }:
            return False
        offsets = np.concatenate([[0], np.cumsum(lengths)[:-1]])
        total = int(lengths.sum())
        rows_in_file = np.repeat(
            index.table.row_start[pos] + src.start[first:last] - offsets, lengths
        ) + np.arange(total)
        if total and rows_in_file[-1] - rows_in_file[0] == total - 1 and (np.diff(rows_in_file) == 1).all():
            table = whole.slice(int(rows_in_file[0]), total)
        else:
            table = whole.take(pa.array(rows_in_file))
        work = plan.episodes[first]
        names = {i: work.task_text(t) for i, t in task_names.get(work.slice.source_root, {}).items()}
        old = column_to_numpy(table.column(L.TASK_INDEX)).reshape(-1).astype(np.int64)
        seg = np.repeat(np.arange(last - first), lengths)
        width = int(old.max(initial=0)) + 1
        pairs = np.unique(seg * width + old)  # per episode its task values, sorted (as one by one)
        values, at = np.unique(pairs % width, return_index=True)
        if any(int(v) not in names for v in values):
            return False
        lut = np.zeros(width, dtype=np.int64)
        for v in values[np.argsort(at, kind="stable")]:
            lut[v] = tasks.setdefault(names[int(v)], len(tasks))
        new_tasks = lut[old]
        # per episode its tasks in the order its rows use them
        keys = seg * (len(tasks) + 1) + new_tasks
        distinct, first_row = np.unique(keys, return_index=True)
        ordered = distinct[np.argsort(first_row, kind="stable")]
        task_of = np.array(list(tasks), dtype=object)
        ep_of = ordered // (len(tasks) + 1)
        ep_tasks = pa.ListArray.from_arrays(
            pa.array(np.searchsorted(ep_of, np.arange(last - first + 1)).astype(np.int32)),
            pa.array(task_of[ordered % (len(tasks) + 1)].tolist(), pa.string()),
        )
        frame = np.arange(total, dtype=np.int64) - np.repeat(offsets, lengths)
        ts_type = pa.float32() if info["features"][L.TIMESTAMP].get("dtype") == "float32" else pa.float64()
        table = set_columns(
            table,
            {
                L.TIMESTAMP: pa.array(frame / fps, pa.float64()).cast(ts_type),
                L.FRAME_INDEX: pa.array(frame),
                L.EPISODE_INDEX: pa.array(seg.astype(np.int64) + first),
                L.INDEX: pa.array(np.arange(total, dtype=np.int64) + global_index),
                L.TASK_INDEX: pa.array(new_tasks),
            },
        )
        stats = numeric_run_stats(table, info, lengths)
        visual = image_stats.for_run(index, src.source_episode[first:last], lengths, visual_keys)
        if visual is None:
            return False
        stats.update(visual)
        add(table, first, lengths, ep_tasks, stats)
        return True

    done = 0
    for first, last in src.runs(plan.episodes, tables, data_limit):
        if not (src.plain[first] and run(first, last)):
            for new_ep in range(first, last):
                one(new_ep)
        if last - done >= 16 or last == n_eps:
            done = last
            report(0.2 + 0.6 * last / n_eps, f"episode {last}/{n_eps}")
            if is_cancelled():
                raise SaveCancelled()
    flush()
    crash.step()

    # ---- metadata
    report(0.85, "writing metadata")
    ep_path = out / L.DEFAULT_EPISODES_PATH_V3.format(chunk_index=0, file_index=0)
    ep_path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(rows.table({"meta/episodes/chunk_index": 0, "meta/episodes/file_index": 0}), ep_path)
    write_indexed_table(
        out / L.TASKS_V3_PATH,
        value_column=L.TASK_INDEX,
        values=list(tasks.values()),
        index=pa.array(list(tasks), pa.large_string()),
    )
    subtasks.write(out)
    atomic_write_json(out / L.STATS_PATH, stats_to_json(aggregate_columns(rows.stats_columns())))
    total_frames = global_index
    info.update(
        total_episodes=n_eps,
        total_frames=total_frames,
        total_tasks=len(tasks),
        splits={"train": f"0:{n_eps}"},
    )
    atomic_write_json(out / L.INFO_PATH, info)
    crash.step()

    ranges = {
        key: (
            video_numbers[key],
            np.concatenate(rows.columns[L.ep_video_column(key, "from_timestamp")]),
            np.concatenate(rows.columns[L.ep_video_column(key, "to_timestamp")]),
        )
        for key in video_keys
    }
    noncanonical, unused_s = video_layout_report(ranges, video_keys, video_files, fps, chunks_size)
    return SaveResult(plan.root, n_eps, total_frames, 0.0, linked, copied, noncanonical, unused_s)


def _own_video_numbers(index: DatasetIndex, key: str, chunks_size: int) -> dict[Path, int]:
    """chunk * chunks_size + file of every v3.0 video file of the dataset, by path."""
    out = {}
    vc = index.table.videos.get(key)
    if index.version != L.V30 or vc is None:
        return out
    for path in vc.paths:  # each distinct file once
        m = re.search(r"chunk-(\d+)/file-(\d+)\.mp4$", path.as_posix())
        if m and path.parent.parent.parent == index.root / L.VIDEO_DIR / key:
            out[path] = int(m.group(1)) * chunks_size + int(m.group(2))
    return out


def _output_info(template: dict[str, Any]) -> dict[str, Any]:
    info = json.loads(json.dumps(template))
    info["codebase_version"] = L.V30
    for key in ("total_chunks", "total_videos"):
        info.pop(key, None)
    info.setdefault("chunks_size", L.DEFAULT_CHUNKS_SIZE)
    info.setdefault("data_files_size_in_mb", DEFAULT_DATA_FILE_MB)
    info.setdefault("video_files_size_in_mb", DEFAULT_VIDEO_FILE_MB)
    info["data_path"] = L.DEFAULT_DATA_PATH_V3
    has_video = any(f.get("dtype") == "video" for f in info["features"].values())
    info["video_path"] = L.DEFAULT_VIDEO_PATH_V3 if has_video else None
    features = info["features"]
    for spec in features.values():
        if spec.get("dtype") == "video" and "info" not in spec:
            for alt in L.VIDEO_INFO_KEYS:
                if isinstance(spec.get(alt), dict):
                    spec["info"] = spec.pop(alt)
                    break
    defaults = {
        L.TIMESTAMP: "float32",
        L.FRAME_INDEX: "int64",
        L.EPISODE_INDEX: "int64",
        L.INDEX: "int64",
        L.TASK_INDEX: "int64",
    }
    for key, dtype in defaults.items():
        features.setdefault(key, {"dtype": dtype, "shape": [1], "names": None})
    return info


def _image_keys(info: dict[str, Any]) -> list[str]:
    return [k for k, f in info["features"].items() if f.get("dtype") == "image"]


def video_layout_report(
    ranges: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]],
    video_keys: list[str],
    video_files: dict[str, dict[Path, int]],
    fps: float,
    chunks_size: int,
) -> tuple[list[str], float]:
    """Files whose episodes are not in order or overlap, and seconds of video no episode uses.

    ranges: per camera, per episode its file number, from and to timestamps."""
    from leropilot_gl.dataset.probe import probe_video

    noncanonical = []
    unused_s = 0.0
    half_frame = 0.5 / fps
    for key in video_keys:
        numbers, starts, ends = ranges[key]
        order = np.argsort(numbers, kind="stable")  # episode order kept within each file
        numbers, starts, ends = numbers[order], starts[order], ends[order]
        bounds = np.searchsorted(numbers, list(video_files[key].values()), side="left")
        stops = np.searchsorted(numbers, list(video_files[key].values()), side="right")
        for (path, n), lo, hi in zip(video_files[key].items(), bounds, stops, strict=True):
            f, t = starts[lo:hi], ends[lo:hi]
            if not (f[1:] >= t[:-1] - half_frame).all():
                noncanonical.append(f"{key} file {n} (from {path.name})")
            used = _union_length(f, t)
            duration = probe_video(path).duration_s
            if duration:
                unused_s += max(0.0, duration - used)
    return noncanonical, unused_s


def _union_length(starts: np.ndarray, ends: np.ndarray) -> float:
    """Seconds covered by the union of [start, end) ranges."""
    if len(starts) == 0:
        return 0.0
    order = np.argsort(starts, kind="stable")
    f, t = starts[order], ends[order]
    reach = np.maximum.accumulate(t)
    new = np.concatenate([[True], f[1:] > reach[:-1]])  # a range that starts after all before it
    return float((np.maximum.reduceat(t, np.flatnonzero(new)) - f[new]).sum())
