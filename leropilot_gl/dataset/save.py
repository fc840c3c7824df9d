"""Save a working episode list as a LeRobot v3.0 dataset without re-encoding any video.

In v3.0 an episode points into a shared mp4 through videos/<camera>/from_timestamp and
to_timestamp, so delete, trim, reorder and duplicate only rewrite parquet and json: data rows are
sliced and re-indexed, timestamps rebased, episode metadata and stats recomputed. mp4 files are
hard-linked (copied across file systems) into the new dataset, never decoded.

The new dataset is built beside the old one (`.<name>.leropilot-save`), checked by opening it,
given every file of the dataset that a save does not own (backup.carry_over), fsynced, and swapped
in atomically (fsio.exchange) under DatasetLock, after the owned files it replaces went to a
backup (backup.py: `leropilot-gl restore` brings them back). A kill at any moment leaves the folder
holding the old or the new dataset whole; the journal records the expected result before the swap
so a restart knows which one it finds. The save job works on a frozen SavePlan.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from leropilot_gl.dataset import language, layout as L
from leropilot_gl.dataset.annotations import apply_annotations
from leropilot_gl.dataset.backup import Backup, swap_in
from leropilot_gl.dataset.compact import CompactResult
from leropilot_gl.dataset.fsio import exchange, fsync_dir, fsync_tree
from leropilot_gl.dataset.journal import (
    EditError,
    EditSession,
    Journal,
    WorkingEpisode,
    meta_fingerprint,
    remember_fingerprint,
    write_saving_marker,
)
from leropilot_gl.dataset.lock import DatasetLock, staging_path
from leropilot_gl.dataset.model import DatasetIndex, EpisodeIndex, column_to_numpy
from leropilot_gl.dataset.open import open_dataset
from leropilot_gl.dataset.pandas_table import write_indexed_table
from leropilot_gl.dataset.problems import Severity
from leropilot_gl.dataset.save_columns import (
    EpisodeRows,
    aggregate_columns,
    nested_lists_to_numpy,
    segment_stats,
)

KILL_AT_ENV = "LEROPILOT_GL_SAVE_KILL_AT"  # fault injection for the crash-safety test: kill at step N
QUANTILES = (0.01, 0.10, 0.50, 0.90, 0.99)
DEFAULT_DATA_FILE_MB = 100
DEFAULT_VIDEO_FILE_MB = 200

ProgressFn = Callable[[float, str], None]


class SaveCancelled(Exception):
    """The user cancelled; nothing on disk changed."""


@dataclass
class SavePlan:
    root: Path
    episodes: list[WorkingEpisode]
    info: dict[str, Any]
    lines: list[str]  # what will change on disk, for the confirmation and --dry-run
    converts_from: str | None  # "v2.1" when saving converts an older dataset to v3.0
    new_dataset: bool
    # A frozen copy of what the save needs, made on the thread that owns the session: the save job
    # never reads the live session (a dataset opened meanwhile cannot leak in).
    indexes: dict[str, DatasetIndex] = field(default_factory=dict)
    fingerprint: str = ""  # of the dataset the edits apply to; checked under the lock
    on_disk: bool = True
    journal_dir: Path | None = None
    journal_snapshot: dict[str, Any] = field(default_factory=dict)
    # Video files the result would hold out of order or overlapping. The save then makes them
    # canonical (make_canonical) unless fast: LeRobot's delete/split tools assume that layout.
    out_of_order: list[str] = field(default_factory=list)
    fast: bool = False

    @property
    def needs_compact(self) -> bool:
        return bool(self.out_of_order)


@dataclass
class SaveResult:
    root: Path
    episodes: int
    frames: int
    seconds: float
    videos_linked: int
    videos_copied: int
    noncanonical_videos: list[str] = field(default_factory=list)  # files with out-of-order/overlapping ranges
    unused_video_s: float = 0.0  # seconds of video no episode uses any more (Compact drops them)
    index: DatasetIndex | None = None  # the saved dataset, reopened
    fingerprint: str = ""  # meta_fingerprint of the saved dataset (mark_saved needs no hashing)
    backup: Backup | None = None  # the owned files of the version replaced (restore brings them back)
    compacted: CompactResult | None = None  # the videos made canonical as part of the save
    compact_error: str = ""  # why they could not be (the save itself landed)

    @property
    def needs_compact(self) -> bool:
        """The saved dataset still holds video files out of order (a fast save, or compacting failed)."""
        return bool(self.noncanonical_videos) and self.compacted is None

    def summary(self) -> str:
        text = (
            f"saved {self.root.name}: {self.episodes} episodes, {self.frames} frames in {self.seconds:.2f} s"
        )
        if self.compacted is not None:
            c = self.compacted
            text += (
                f"; {len(self.noncanonical_videos)} video file(s) put in episode order for LeRobot's "
                f"delete and split tools ({c.segments_remuxed} episode video(s) copied, "
                f"{c.segments_reencoded} re-encoded, {c.seconds:.1f} s)"
            )
        elif self.compact_error:
            text += (
                f"; {len(self.noncanonical_videos)} video file(s) hold episodes out of order and could not "
                f"be put in order ({self.compact_error}): LeRobot's delete/split tools would return "
                "wrong frames: compact it"
            )
        elif self.noncanonical_videos:
            text += (
                f"; {len(self.noncanonical_videos)} video file(s) now hold episodes out of order or overlapping: "
                "LeRobot loads them, but its delete_episodes/split_dataset would return wrong frames. "
                "Run Compact to rewrite them in order"
            )
        return text


# ---------------------------------------------------------------------------- plan
def plan_save(
    session: EditSession, root: str | Path, *, check_order: bool = True, fast: bool = False
) -> SavePlan:
    """What a save of root would write; raises EditError when it cannot be saved now.

    check_order=False describes a dataset that other pending datasets still use (save_all saves
    those first). fast=True skips putting the video files in order when the result would need it
    (the dataset is then flagged until compacted)."""
    journal = session.journal(root)
    episodes = journal.kept()
    if not episodes:
        raise EditError(f"{journal.root.name} would hold no episodes; add or restore one before saving")
    blockers = session.blocking_dependants(journal.root)
    if blockers and check_order:
        raise EditError(
            f"pending edits of {', '.join(b.name for b in blockers)} use episodes of {journal.root.name}: "
            "save those first"
        )
    for source in {e.slice.source_root for e in episodes}:
        if source not in session.indexes:
            raise EditError(f"episodes come from {source}, which is not open")
    index = session.indexes.get(str(journal.root))
    converts = index.version if index is not None and index.version != L.V30 else None
    lines = describe_changes(session, journal)
    if converts:
        lines.insert(
            0, f"convert {journal.root.name} from LeRobot {converts} to v3.0 (the folder layout changes)"
        )
    incomplete = incomplete_episodes(episodes, session.indexes)
    if incomplete:
        cams = sorted({k for keys in incomplete.values() for k in keys})
        eps = ", ".join(str(p) for p in list(incomplete)[:12]) + (" ..." if len(incomplete) > 12 else "")
        lines.insert(
            len(lines) - 1,
            f"{len(incomplete)} episode(s) stay incomplete (video file missing, {', '.join(cams)}): "
            f"new episode(s) {eps}; delete them to fix the dataset",
        )
    out_of_order = predict_out_of_order(episodes, session.indexes)
    if out_of_order:
        lines.insert(
            len(lines) - 1,
            f"{len(out_of_order)} video file(s) would hold episodes out of order or overlapping: "
            + (
                "kept so (fast save); LeRobot's delete/split tools would return wrong frames until compacted"
                if fast
                else "they are rewritten in episode order (only frames a cut forces are re-encoded)"
            ),
        )
        if not fast:
            lines[-1] = lines[-1].replace("mp4 files reused as they are", "mp4 files put in episode order")
    snapshot = json.loads(json.dumps(journal.to_json()))
    return SavePlan(
        journal.root,
        list(episodes),
        json.loads(json.dumps(journal.info)),
        lines,
        converts,
        not journal.on_disk,
        indexes=dict(session.indexes),
        fingerprint=journal.fingerprint,
        on_disk=journal.on_disk,
        journal_dir=session.journal_dir,
        journal_snapshot=snapshot,
        out_of_order=out_of_order,
        fast=fast,
    )


def predict_out_of_order(episodes: list[WorkingEpisode], indexes: dict[str, DatasetIndex]) -> list[str]:
    """Video files that saving these episodes in this order would leave with episodes out of order
    or overlapping (a move, swap, duplicate or trim in a shared file), before anything is written.
    The same rule as the saved layout's check: one output file per source file."""
    by_file: dict[tuple[str, Path], list[tuple[float, float]]] = {}
    half_frame: dict[tuple[str, Path], float] = {}
    for e in episodes:
        index = indexes.get(e.slice.source_root)
        if index is None:
            continue
        try:
            src = index.episode(e.slice.source_episode)
        except (KeyError, IndexError, ValueError):
            continue
        fps = float(index.fps or 0) or 1.0
        for key, video in src.videos.items():
            by_file.setdefault((key, video.path), []).append(
                (video.from_s + e.slice.start / fps, video.from_s + e.slice.end / fps)
            )
            half_frame[(key, video.path)] = 0.5 / fps
    out = []
    for (key, path), ranges in by_file.items():
        tolerance = half_frame[(key, path)]
        if any(b[0] < a[1] - tolerance for a, b in zip(ranges, ranges[1:], strict=False)):
            out.append(f"{key} ({path.name})")
    return out


def describe_changes(session: EditSession, journal: Journal) -> list[str]:
    episodes = journal.episodes()
    kept = [e for e in episodes if not e.deleted]
    lines = []
    if not journal.on_disk:
        lines.append(f"create {journal.root} with {len(kept)} episode(s)")
    deleted = [e for e in episodes if e.deleted and e.uid.startswith("e")]
    if deleted:
        lines.append("delete episode(s) " + ", ".join(str(e.slice.source_episode) for e in deleted))
    for pos, e in enumerate(kept):
        s = e.slice
        here = s.source_root == str(journal.root)
        origin = f"episode {s.source_episode}" + ("" if here else f" of {Path(s.source_root).name}")
        if here and not e.uid.startswith("e"):
            origin = "a copy of " + origin
        cut = f" frames {s.start}..{s.end - 1}" if e.trimmed else ""
        if here and e.uid == f"e{s.source_episode}" and pos == s.source_episode and not e.trimmed:
            continue
        lines.append(f"new episode {pos} = {origin}{cut} ({s.length} frames)")
    # task edits touch only the parquet task columns: say which, in the order they were made
    lines.extend(
        op["label"]
        for op in journal.applied
        if op["kind"] in ("set_task", "rename_task", "annotate", "set_frames")
    )
    total = sum(e.length for e in kept)
    lines.append(
        f"result: {len(kept)} episodes, {total} frames; parquet and json rewritten, mp4 files reused as they are"
    )
    return lines


# ---------------------------------------------------------------------------- save
def save(
    session: EditSession,
    root: str | Path,
    *,
    progress: ProgressFn | None = None,
    cancelled: Callable[[], bool] | None = None,
    finish: bool = True,
    fast: bool = False,
) -> SaveResult:
    """Write the journal of root to disk as LeRobot v3.0, swap it in, and clear the journal.

    finish=False leaves the session untouched (for a save on a worker thread): the caller then
    calls session.mark_saved(result.root, result.index, result.fingerprint) on the thread that owns
    the session; until then the journal on disk says the save landed, so a restart does not replay
    it. A worker thread should rather get a frozen plan (plan_save on the UI thread) and call
    write_plans: it never reads the live session.

    Video files left out of order are put in order as part of the save unless fast=True."""
    plan = plan_save(session, root, fast=fast)
    result = write_plans([plan], session.journal_dir, progress=progress, cancelled=cancelled)[0]
    if finish:
        session.mark_saved(plan.root, result.index, result.fingerprint)
    return result


def write_plan(
    plan: SavePlan,
    *,
    progress: ProgressFn | None = None,
    cancelled: Callable[[], bool] | None = None,
    on_swap: Callable[[Backup | None, str], None] | None = None,
) -> SaveResult:
    """Carry out a frozen plan: build the new version beside the dataset, carry the user's files
    over, back up the owned files it replaces, and swap it in under the dataset lock."""
    import time

    started = time.perf_counter()
    report = progress or (lambda _f, _t: None)
    is_cancelled = cancelled or (lambda: False)
    crash = _CrashPoints()
    root = plan.root
    with DatasetLock(root):
        crash.step()
        if plan.on_disk:  # never swap a folder that a recording is still writing into
            from leropilot_gl.dataset.watch import writer_activity

            busy = writer_activity(root)
            if busy:
                raise EditError(f"{root.name} cannot be saved now: {busy}")
        _check_unchanged(plan)
        if not plan.on_disk and root.exists():
            raise EditError(f"{root} already exists; choose a new folder")
        if not root.parent.is_dir():
            root.parent.mkdir(parents=True, exist_ok=True)
        if not os.access(root.parent, os.W_OK):
            raise EditError(
                f"cannot save {root.name}: its parent folder {root.parent} is not writable "
                "(a save builds the new version beside the old one)"
            )
        staging = staging_path(root)
        if staging.exists():  # left over by a killed save: never the live dataset
            shutil.rmtree(staging)
        staging.mkdir(parents=True)
        try:
            result = _write_dataset(staging, plan, plan.indexes, report, is_cancelled, crash)
            if result.noncanonical_videos and not plan.fast:
                _make_canonical(staging, root, result, report)
                if is_cancelled():
                    raise SaveCancelled()
            report(0.9, "checking the new dataset")
            _check_written(staging, plan)
            crash.step()
            if is_cancelled():
                raise SaveCancelled()
            new_fingerprint = meta_fingerprint(staging)

            def before_swap(backup: Backup) -> None:  # under the lock, right before the swap
                _check_unchanged(plan)
                write_saving_marker(plan.journal_dir, plan.journal_snapshot, new_fingerprint)
                if on_swap is not None:
                    on_swap(backup, new_fingerprint)
                crash.step()

            if plan.on_disk:
                result.backup = swap_in(
                    root,
                    staging,
                    kind="save",
                    summary=plan.lines[-1] if plan.lines else "save",
                    before_swap=before_swap,
                    crash=crash.step,
                )
            else:
                fsync_tree(staging)  # a new dataset: nothing to carry over or back up
                if on_swap is not None:
                    on_swap(None, new_fingerprint)
                os.rename(staging, root)
                fsync_dir(root.parent)
            crash.step()
        except BaseException:
            if staging.exists() and (root.exists() or not plan.on_disk):
                shutil.rmtree(staging, ignore_errors=True)
            raise
        report(0.97, "reopening")
        # still under the lock: the fingerprint of the staging copy is the one of what is read here
        result.index = remember_fingerprint(open_dataset(root), new_fingerprint)
        result.fingerprint = new_fingerprint
        crash.step()
    result.seconds = time.perf_counter() - started
    report(1.0, result.summary())
    return result


def _check_unchanged(plan: SavePlan) -> None:
    if plan.on_disk and meta_fingerprint(plan.root) != plan.fingerprint:
        raise EditError(f"{plan.root} changed on disk since it was opened; reopen it before saving")


def save_all(
    session: EditSession, *, progress: ProgressFn | None = None, fast: bool = False
) -> list[SaveResult]:
    """Save every dataset with pending edits, each after the datasets that use its episodes, as one
    transaction (a kill half way is rolled back on the next start: a moved episode is never in both).
    Video files left out of order are put in order after the transaction unless fast=True."""
    roots = session.save_order()
    plans = [plan_save(session, root, check_order=len(roots) < 2, fast=fast) for root in roots]
    results = write_plans(plans, session.journal_dir, progress=progress)
    for result in results:
        session.mark_saved(result.root, result.index, result.fingerprint)
    return results


def write_plans(
    plans: list[SavePlan],
    journal_dir: Path | None,
    *,
    progress: ProgressFn | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> list[SaveResult]:
    """The one way a save is carried out (CLI, library, window): frozen plans written as one
    transaction; each result whose video files would hold episodes out of order is made canonical
    before its swap unless its plan is a fast save (write_plan). Never reads the live session; the
    caller marks the datasets saved."""
    from leropilot_gl.dataset.journal import default_journal_dir
    from leropilot_gl.dataset.transaction import write_transaction

    return write_transaction(
        plans,
        Path(journal_dir) if journal_dir else default_journal_dir(),
        progress=progress,
        cancelled=cancelled,
    )


def _make_canonical(staging: Path, root: Path, result: SaveResult, report: ProgressFn) -> None:
    """Put the staged dataset's video files in episode order before the swap: the save lands
    canonical, in one swap with one backup. A failure (say, a video file missing) leaves the staged
    dataset as it was: the save goes on, says why, and the dataset stays flagged."""
    from leropilot_gl.dataset.compact import compact_staged

    report(0.82, "putting the video files in episode order")
    try:
        result.compacted = compact_staged(
            staging, root, progress=lambda f, t: report(0.82 + 0.08 * f, f"episode order: {t}")
        )
    except Exception as exc:  # noqa: BLE001 - any failure keeps the (valid) uncompacted save
        result.compact_error = str(exc) or type(exc).__name__


# ---------------------------------------------------------------------------- writing
class _CrashPoints:
    """Numbered steps of every save in this process (a move's two saves count on)."""

    count = 0

    def __init__(self) -> None:
        self.kill_at = int(os.environ.get(KILL_AT_ENV) or 0)

    def step(self) -> None:
        _CrashPoints.count += 1
        if self.kill_at and _CrashPoints.count == self.kill_at:
            import signal

            os.kill(os.getpid(), signal.SIGKILL)


def _write_dataset(
    out: Path,
    plan: SavePlan,
    indexes: dict[str, DatasetIndex],
    report: ProgressFn,
    is_cancelled: Callable[[], bool],
    crash: _CrashPoints,
) -> SaveResult:
    info = _output_info(plan.info)
    fps = float(info["fps"])
    chunks_size = int(info.get("chunks_size") or L.DEFAULT_CHUNKS_SIZE)
    video_keys = [k for k, f in info["features"].items() if f.get("dtype") == "video"]
    src = _PlanSources(plan.episodes, indexes)
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
            if _link_or_copy(path, dst):
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
    tables = _TableCache()
    pending: list[pa.Table] = []
    pending_bytes = 0
    data_file = 0
    global_index = 0
    rows = EpisodeRows()
    schema: pa.Schema | None = None
    image_stats = _ImageStats(indexes)
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
        table, ep_tasks = _reindex(table, new_ep, global_index, fps, names, tasks, episode, info)
        if work.frame_values:  # reward/done marks set by hand, over the kept frames
            from leropilot_gl.dataset.frame_values import apply_frame_values

            table = apply_frame_values(table, work.frame_values, s.start, s.end)
        stats = {
            k: {n: np.asarray(v)[None] for n, v in d.items()} for k, d in _numeric_stats(table, info).items()
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
        table = _set_columns(
            table,
            {
                L.TIMESTAMP: pa.array(frame / fps, pa.float64()).cast(ts_type),
                L.FRAME_INDEX: pa.array(frame),
                L.EPISODE_INDEX: pa.array(seg.astype(np.int64) + first),
                L.INDEX: pa.array(np.arange(total, dtype=np.int64) + global_index),
                L.TASK_INDEX: pa.array(new_tasks),
            },
        )
        stats = _numeric_run_stats(table, info, lengths)
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
    _write_json(out / L.STATS_PATH, _to_json_stats(aggregate_columns(rows.stats_columns())))
    total_frames = global_index
    info.update(
        total_episodes=n_eps,
        total_frames=total_frames,
        total_tasks=len(tasks),
        splits={"train": f"0:{n_eps}"},
    )
    _write_json(out / L.INFO_PATH, info)
    crash.step()

    ranges = {
        key: (
            video_numbers[key],
            np.concatenate(rows.columns[L.ep_video_column(key, "from_timestamp")]),
            np.concatenate(rows.columns[L.ep_video_column(key, "to_timestamp")]),
        )
        for key in video_keys
    }
    noncanonical, unused_s = _video_layout_report(ranges, video_keys, video_files, fps, chunks_size)
    return SaveResult(plan.root, n_eps, total_frames, 0.0, linked, copied, noncanonical, unused_s)


class _PlanSources:
    """Where each episode of a plan comes from, as columns (checked once, vectorized)."""

    def __init__(self, episodes: list[WorkingEpisode], indexes: dict[str, DatasetIndex]) -> None:
        n = len(episodes)
        self.indexes = indexes
        self.roots = list(dict.fromkeys(e.slice.source_root for e in episodes))
        ids = {r: i for i, r in enumerate(self.roots)}
        self.root_id = np.fromiter((ids[e.slice.source_root] for e in episodes), np.int64, n)
        self.source_episode = np.fromiter((e.slice.source_episode for e in episodes), np.int64, n)
        self.start = np.fromiter((e.slice.start for e in episodes), np.int64, n)
        self.end = np.fromiter((e.slice.end for e in episodes), np.int64, n)
        self.plain = np.fromiter((not e.annotations and not e.frame_values for e in episodes), bool, n)
        self.pos = np.zeros(n, dtype=np.int64)
        self._indexes: list[DatasetIndex] = []
        bad = np.zeros(n, dtype=bool)
        for i, root in enumerate(self.roots):
            index = indexes.get(root)
            if index is None:
                raise EditError(f"{root} is not open")
            self._indexes.append(index)
            here = np.flatnonzero(self.root_id == i)
            eps = index.table.episode_index
            pos = np.clip(np.searchsorted(eps, self.source_episode[here]), 0, max(len(eps) - 1, 0))
            if len(eps) == 0 or (eps[pos] != self.source_episode[here]).any():
                p = here[eps[pos] != self.source_episode[here]][0] if len(eps) else here[0]
                raise EditError(f"episode {self.source_episode[p]} is not in {index.root}")
            self.pos[here] = pos
            unusable = [
                p.episode_index
                for p in index.problems
                if p.severity is Severity.ERROR and p.camera is None and p.episode_index is not None
            ]
            bad[here] = np.isin(self.source_episode[here], np.array(unusable, dtype=np.int64))
        if bad.any():
            p = int(np.flatnonzero(bad)[0])
            raise EditError(
                f"episode {self.source_episode[p]} of {self.index_of(p).root.name} has unreadable data; delete it first"
            )
        lengths = np.zeros(n, dtype=np.int64)
        for i, index in enumerate(self._indexes):
            here = self.root_id == i
            lengths[here] = index.table.length[self.pos[here]]
        over = np.flatnonzero(self.end > lengths)
        if len(over):
            p = int(over[0])
            raise EditError(
                f"episode {self.source_episode[p]} of {self.index_of(p).root.name} has {lengths[p]} frames, "
                f"not {self.end[p]}"
            )
        self.data_file = np.zeros(n, dtype=np.int64)
        for i, index in enumerate(self._indexes):
            here = self.root_id == i
            self.data_file[here] = index.table.data_file[self.pos[here]]

    def index_of(self, p: int) -> DatasetIndex:
        return self._indexes[int(self.root_id[p])]

    def episode(self, p: int) -> EpisodeIndex:
        return self.index_of(p).episodes[int(self.pos[p])]

    def video_files(self, key: str) -> tuple[np.ndarray, np.ndarray]:
        """Per plan episode: its file id for camera key (-1: none) and its source start there."""
        files = np.full(len(self.pos), -1, dtype=np.int64)
        starts = np.zeros(len(self.pos), dtype=np.float64)
        for i, index in enumerate(self._indexes):
            vc = index.table.videos.get(key)
            if vc is None:
                continue
            here = self.root_id == i
            files[here] = vc.file[self.pos[here]]
            starts[here] = vc.from_s[self.pos[here]]
        return files, starts

    def runs(self, episodes: list[WorkingEpisode], tables: _TableCache, data_limit: float):
        """(first, last): consecutive plan episodes of one data file and one task naming, short
        enough for one output data file; an episode with its own edits is a run of one."""
        n = len(episodes)
        first = 0
        while first < n:
            last = first + 1
            if self.plain[first]:
                key = (
                    self.root_id[first],
                    self.data_file[first],
                    episodes[first].task,
                    episodes[first].task_renames,
                )
                whole = tables.get(self.index_of(first).table.data_paths[int(self.data_file[first])])
                max_rows = max(1, int(data_limit / max(whole.nbytes / max(whole.num_rows, 1), 1e-9)))
                rows = int(self.end[first] - self.start[first])
                while last < n and self.plain[last]:
                    e = episodes[last]
                    if (self.root_id[last], self.data_file[last], e.task, e.task_renames) != key:
                        break
                    rows += int(self.end[last] - self.start[last])
                    if rows > max_rows:
                        break
                    last += 1
            yield first, last
            first = last


def _set_columns(table: pa.Table, columns: dict[str, pa.Array]) -> pa.Table:
    for key, values in columns.items():
        if key in table.column_names:
            pos = table.column_names.index(key)
            field_type = table.schema.field(key).type
            table = table.set_column(pos, pa.field(key, field_type), values.cast(field_type))
        else:
            table = table.append_column(key, values)
    return table


def _numeric_run_stats(
    table: pa.Table, info: dict[str, Any], lengths: np.ndarray
) -> dict[str, dict[str, np.ndarray]]:
    out = {}
    for key, spec in info["features"].items():
        if not language.is_numeric_dtype(spec.get("dtype")) or key not in table.column_names:
            continue
        values = column_to_numpy(table.column(key))
        if values.ndim == 1:
            values = values.reshape(-1, 1)
        out[key] = segment_stats(values, lengths)
    return out


def _own_video_numbers(index: DatasetIndex, key: str, chunks_size: int) -> dict[Path, int]:
    """chunk * chunks_size + file of every v3.0 video file of the dataset, by path."""
    import re

    out = {}
    vc = index.table.videos.get(key)
    if index.version != L.V30 or vc is None:
        return out
    for path in vc.paths:  # each distinct file once
        m = re.search(r"chunk-(\d+)/file-(\d+)\.mp4$", path.as_posix())
        if m and path.parent.parent.parent == index.root / L.VIDEO_DIR / key:
            out[path] = int(m.group(1)) * chunks_size + int(m.group(2))
    return out


def _source_episode(indexes: dict[str, DatasetIndex], e: WorkingEpisode) -> EpisodeIndex:
    index = indexes.get(e.slice.source_root)
    if index is None:
        raise EditError(f"{e.slice.source_root} is not open")
    src = index.episode(e.slice.source_episode)
    if not src.usable:
        raise EditError(
            f"episode {src.episode_index} of {index.root.name} has unreadable data; delete it first"
        )
    if e.slice.end > src.length:
        raise EditError(
            f"episode {src.episode_index} of {index.root.name} has {src.length} frames, not {e.slice.end}"
        )
    return src


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


class _TableCache:
    """The last data file read (episodes of one file come one after another)."""

    def __init__(self) -> None:
        self.path: Path | None = None
        self.table: pa.Table | None = None

    def get(self, path: Path) -> pa.Table:
        if path != self.path:
            self.table = pq.read_table(path, memory_map=True)
            self.path = path
        assert self.table is not None
        return self.table


def _reindex(
    table: pa.Table,
    episode_index: int,
    first_index: int,
    fps: float,
    task_names: dict[int, str],
    tasks: dict[str, int],
    src: EpisodeIndex,
    info: dict[str, Any],
) -> tuple[pa.Table, list[str]]:
    n = table.num_rows
    frame = np.arange(n, dtype=np.int64)
    ts_type = pa.float32() if info["features"][L.TIMESTAMP].get("dtype") == "float32" else pa.float64()
    ep_tasks: list[str] = []
    if L.TASK_INDEX in table.column_names:
        old = table.column(L.TASK_INDEX).to_numpy()
        mapping = {}
        for value in np.unique(old):
            name = task_names.get(int(value)) or (src.tasks[0] if src.tasks else f"task {int(value)}")
            mapping[int(value)] = tasks.setdefault(name, len(tasks))
        new_tasks = np.array([mapping[int(v)] for v in old], dtype=np.int64) if n else old.astype(np.int64)
        seen = dict.fromkeys(old.tolist())
        ep_tasks = [next(k for k, v in tasks.items() if v == mapping[int(t)]) for t in seen]
    else:
        name = src.tasks[0] if src.tasks else "unknown task"
        new_tasks = np.full(n, tasks.setdefault(name, len(tasks)), dtype=np.int64)
        ep_tasks = [name]
    columns = {
        L.TIMESTAMP: pa.array(frame / fps, pa.float64()).cast(ts_type),
        L.FRAME_INDEX: pa.array(frame),
        L.EPISODE_INDEX: pa.array(np.full(n, episode_index, dtype=np.int64)),
        L.INDEX: pa.array(frame + first_index),
        L.TASK_INDEX: pa.array(new_tasks),
    }
    return _set_columns(table, columns), ep_tasks


def _numeric_stats(table: pa.Table, info: dict[str, Any]) -> dict[str, dict[str, np.ndarray]]:
    from leropilot_gl.dataset.model import column_to_numpy

    out = {}
    for key, spec in info["features"].items():
        if not language.is_numeric_dtype(spec.get("dtype")) or key not in table.column_names:
            continue  # language rows, strings, images and unknown kinds have no numeric stats
        values = column_to_numpy(table.column(key))
        if values.ndim == 1:
            values = values.reshape(-1, 1)
        out[key] = feature_stats(values)
    return out


def feature_stats(values: np.ndarray) -> dict[str, np.ndarray]:
    """min, max, mean, std, count and quantiles of (rows, dim) values, per dimension (LeRobot's keys)."""
    as_float = values.astype(np.float64)
    stats = {
        "min": values.min(axis=0),
        "max": values.max(axis=0),
        "mean": as_float.mean(axis=0),
        "std": as_float.std(axis=0),
        "count": np.array([len(values)], dtype=np.int64),
    }
    for q in QUANTILES:
        stats[f"q{round(q * 100):02d}"] = np.quantile(as_float, q, axis=0)
    return stats


class _ImageStats:
    """Per-episode stats of camera features, taken from the source episode (not recomputed: that
    would mean decoding every frame). For a trimmed episode they describe the whole source episode."""

    def __init__(self, indexes: dict[str, DatasetIndex]) -> None:
        self.indexes = indexes
        self._columns: dict[str, tuple[np.ndarray, dict[str, dict[str, np.ndarray]]] | None] = {}
        self._cache: dict[str, dict[int, dict[str, dict[str, np.ndarray]]]] = {}
        self._global: dict[str, dict[str, dict[str, np.ndarray]]] = {}

    def _load(self, index: DatasetIndex, keys: list[str]) -> str:
        root = str(index.root)
        if root not in self._columns:
            self._columns[root] = _read_episode_stats_columns(index, keys)
            self._global[root] = _read_global_stats(index.root, keys)
        return root

    def for_episode(
        self, src: EpisodeIndex, keys: list[str], length: int
    ) -> dict[str, dict[str, np.ndarray]]:
        root = self._load(src.dataset, keys)
        columns = self._columns[root]
        if columns is not None:
            episodes, stats = columns
            pos = int(np.searchsorted(episodes, src.episode_index)) if len(episodes) else 0
            found = pos < len(episodes) and episodes[pos] == src.episode_index
            per_ep = {k: {n: v[pos] for n, v in d.items()} for k, d in stats.items()} if found else {}
        else:
            if root not in self._cache:
                self._cache[root] = _read_episode_stats(src.dataset, keys)
            per_ep = self._cache[root].get(src.episode_index, {})
        out = {}
        for key in keys:
            stats = per_ep.get(key) or self._global[root].get(key)
            if not stats:
                continue
            stats = {k: np.asarray(v) for k, v in stats.items()}
            stats["count"] = np.array([length], dtype=np.int64)
            out[key] = stats
        return out

    def for_run(
        self, index: DatasetIndex, source_episodes: np.ndarray, lengths: np.ndarray, keys: list[str]
    ) -> dict[str, dict[str, np.ndarray]] | None:
        """The same for many episodes of one dataset, as (episodes, ...) columns; None when the
        dataset's stats are not columns of one shape (the caller goes one by one)."""
        root = self._load(index, keys)
        columns = self._columns[root]
        if columns is None:
            return None
        episodes, stats = columns
        pos = np.clip(np.searchsorted(episodes, source_episodes), 0, max(len(episodes) - 1, 0))
        found = (episodes[pos] == source_episodes) if len(episodes) else np.zeros(len(lengths), bool)
        out = {}
        for key in keys:
            have = stats.get(key)
            fallback = self._global[root].get(key)
            if have and found.all():
                values = {n: v[pos] for n, v in have.items()}
            elif fallback and not (have and found.any()):
                values = {
                    n: np.repeat(np.asarray(v)[None], len(lengths), axis=0) for n, v in fallback.items()
                }
            elif not have and not fallback:
                continue
            else:
                return None  # a mix of episodes with and without their own stats
            values["count"] = lengths.astype(np.int64).reshape(-1, 1)
            out[key] = values
        return out


def _read_episode_stats_columns(
    index: DatasetIndex, keys: list[str]
) -> tuple[np.ndarray, dict[str, dict[str, np.ndarray]]] | None:
    """v3.0 per-episode stats of keys as columns (sorted by episode), or None (older layout,
    ragged or null values: the caller reads rows)."""
    if index.version != L.V30:
        return None
    parts = []
    for path in sorted((index.root / L.EPISODES_V3_DIR).glob("chunk-*/file-*.parquet")):
        names = pq.read_schema(path).names
        wanted = [n for n in names if any(n.startswith(f"stats/{k}/") for k in keys)]
        parts.append(pq.read_table(path, columns=["episode_index", *wanted]))
    if not parts:
        return np.zeros(0, dtype=np.int64), {}
    try:
        table = pa.concat_tables(parts, promote_options="default")
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return None
    episodes = column_to_numpy(table.column("episode_index")).astype(np.int64)
    order = np.argsort(episodes, kind="stable")
    out: dict[str, dict[str, np.ndarray]] = {}
    for name in table.column_names[1:]:
        values = nested_lists_to_numpy(table.column(name), table.num_rows)
        if values is None:
            return None
        key, stat = name[len("stats/") :].rsplit("/", 1)
        out.setdefault(key, {})[stat] = values[order]
    return episodes[order], out


def _read_episode_stats(index: DatasetIndex, keys: list[str]) -> dict[int, dict[str, dict[str, np.ndarray]]]:
    out: dict[int, dict[str, dict[str, np.ndarray]]] = {}
    if index.version == L.V30:
        for path in sorted((index.root / L.EPISODES_V3_DIR).glob("chunk-*/file-*.parquet")):
            names = pq.read_schema(path).names
            wanted = [n for n in names if any(n.startswith(f"stats/{k}/") for k in keys)]
            rows = pq.read_table(path, columns=["episode_index", *wanted]).to_pylist()
            for row in rows:
                ep = out.setdefault(int(row["episode_index"]), {})
                for name in wanted:
                    if row[name] is None:
                        continue
                    key, stat = name[len("stats/") :].rsplit("/", 1)
                    ep.setdefault(key, {})[stat] = np.asarray(row[name])
    else:
        path = index.root / L.EPISODES_STATS_V21_PATH
        if path.is_file():
            for line in path.read_text(encoding="utf-8").splitlines():
                try:
                    row = json.loads(line)
                    stats = row["stats"]
                except (ValueError, KeyError, TypeError):
                    continue
                out[int(row["episode_index"])] = {
                    k: {s: np.asarray(v) for s, v in stats[k].items()} for k in keys if k in stats
                }
    return out


def _read_global_stats(root: Path, keys: list[str]) -> dict[str, dict[str, np.ndarray]]:
    path = root / L.STATS_PATH
    try:
        stats = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {
        k: {s: np.asarray(v) for s, v in stats[k].items()} for k in keys if isinstance(stats.get(k), dict)
    }


def aggregate_stats(per_episode: list[dict[str, dict[str, np.ndarray]]]) -> dict[str, dict[str, np.ndarray]]:
    """Dataset stats from per-episode stats: count-weighted mean, pooled variance, min/max, and
    count-weighted quantiles (the estimate LeRobot itself writes)."""
    keys = dict.fromkeys(k for stats in per_episode for k in stats)
    out = {}
    for key in keys:
        items = [s[key] for s in per_episode if key in s]
        counts = np.array([float(np.asarray(i["count"]).reshape(-1)[0]) for i in items])
        total = counts.sum()
        means = np.stack([np.asarray(i["mean"], dtype=np.float64) for i in items])
        shape = (-1,) + (1,) * (means.ndim - 1)
        w = counts.reshape(shape)
        mean = (means * w).sum(axis=0) / total
        var = (
            np.stack([np.asarray(i["std"], dtype=np.float64) ** 2 for i in items]) + (means - mean) ** 2
        ) * w
        agg = {
            "min": np.min(np.stack([np.asarray(i["min"]) for i in items]), axis=0),
            "max": np.max(np.stack([np.asarray(i["max"]) for i in items]), axis=0),
            "mean": mean,
            "std": np.sqrt(var.sum(axis=0) / total),
            "count": np.array([int(total)], dtype=np.int64),
        }
        for q in (k for k in items[0] if k.startswith("q") and k[1:].isdigit()):
            if all(q in i for i in items):
                agg[q] = (np.stack([np.asarray(i[q], dtype=np.float64) for i in items]) * w).sum(
                    axis=0
                ) / total
        out[key] = agg
    return out


def _to_json_stats(stats: dict[str, dict[str, np.ndarray]]) -> dict[str, Any]:
    return {k: {s: np.asarray(v).tolist() for s, v in d.items()} for k, d in stats.items()}


def _write_json(path: Path, data: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=4), encoding="utf-8")


def _link_or_copy(src: Path, dst: Path) -> bool:
    """Hard link (no bytes copied) when on the same file system; True when linked."""
    try:
        os.link(src, dst)
        return True
    except OSError:
        shutil.copyfile(src, dst)
        return False


def _video_layout_report(
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


def _union(ranges: list[tuple[float, float]]) -> list[tuple[float, float]]:
    out: list[tuple[float, float]] = []
    for f, t in sorted(ranges):
        if out and f <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], t))
        else:
            out.append((f, t))
    return out


def incomplete_episodes(
    plan_episodes: list[WorkingEpisode], indexes: dict[str, DatasetIndex]
) -> dict[int, list[str]]:
    """New position -> cameras whose video file is missing (the save keeps their references)."""
    n = len(plan_episodes)
    roots = np.array([e.slice.source_root for e in plan_episodes], dtype=object)
    source = np.fromiter((e.slice.source_episode for e in plan_episodes), np.int64, n)
    missing: dict[int, list[str]] = {}
    for root in dict.fromkeys(roots.tolist()):
        index = indexes.get(root)
        if index is None:
            continue
        here = np.flatnonzero(roots == root)
        eps = index.table.episode_index
        if len(eps) == 0:
            continue
        pos = np.clip(np.searchsorted(eps, source[here]), 0, len(eps) - 1)
        ok = eps[pos] == source[here]
        here, pos = here[ok], pos[ok]
        for key in sorted(index.table.videos):
            vc = index.table.videos[key]
            files = vc.file[pos].astype(np.int64)
            gone = files >= 0
            gone[gone] = ~vc.exists[files[gone]]
            for p in here[gone].tolist():
                missing.setdefault(p, []).append(key)
    return {p: sorted(missing[p]) for p in sorted(missing)}


def _check_written(out: Path, plan: SavePlan) -> None:
    """Open the new dataset with the same reader the app uses; any error stops the save, but the
    missing video files the plan said would stay missing."""
    index = open_dataset(out)
    lengths = index.table.length
    expected = np.fromiter((e.length for e in plan.episodes), np.int64, len(plan.episodes))
    if len(lengths) != len(expected) or (lengths != expected).any():
        raise EditError(
            f"check of the new dataset failed: episode lengths {lengths[:8].tolist()}... != {expected[:8].tolist()}..."
        )
    errors = [p for p in index.problems if p.severity is Severity.ERROR]
    allowed = incomplete_episodes(plan.episodes, plan.indexes) if errors else {}
    errors = [
        p.message
        for p in errors
        if p.camera not in allowed.get(-1 if p.episode_index is None else p.episode_index, ())
    ]
    if errors:
        raise EditError("check of the new dataset failed: " + "; ".join(errors[:3]))


def _exchange(a: Path, b: Path) -> None:
    """Swap two folders atomically (kept for callers of the old name)."""
    exchange(a, b)
