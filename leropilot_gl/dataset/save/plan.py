"""The plan of a save: what it would write, made on the thread that owns the session and frozen,
so the save job never reads the live session. Also the lines the confirmation and --dry-run show,
and the checks that need no writing (episodes left incomplete, video files left out of order)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from leropilot_gl.dataset import layout as L
from leropilot_gl.dataset.backup import Backup
from leropilot_gl.dataset.compact import CompactResult
from leropilot_gl.dataset.journal import EditError, EditSession, Journal, WorkingEpisode
from leropilot_gl.dataset.model import DatasetIndex

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


def _rows_by_source(
    episodes: list[WorkingEpisode], indexes: dict[str, DatasetIndex]
) -> Iterator[tuple[DatasetIndex, np.ndarray, np.ndarray]]:
    """Per source dataset of a plan: its index, the plan positions of the episodes found in it, and
    those episodes' rows in its table (columns: no per-episode lookup)."""
    n = len(episodes)
    roots = [e.slice.source_root for e in episodes]
    ids = {r: i for i, r in enumerate(dict.fromkeys(roots))}
    root_id = np.fromiter((ids[r] for r in roots), np.int64, n)
    source = np.fromiter((e.slice.source_episode for e in episodes), np.int64, n)
    for root, i in ids.items():
        index = indexes.get(root)
        if index is None:
            continue
        here = np.flatnonzero(root_id == i)
        eps = index.table.episode_index
        if len(eps) == 0:
            continue
        pos = np.clip(np.searchsorted(eps, source[here]), 0, len(eps) - 1)
        found = eps[pos] == source[here]
        yield index, here[found], pos[found]


def predict_out_of_order(episodes: list[WorkingEpisode], indexes: dict[str, DatasetIndex]) -> list[str]:
    """Video files that saving these episodes in this order would leave with episodes out of order
    or overlapping (a move, swap, duplicate or trim in a shared file), before anything is written.
    The same rule as the saved layout's check: one output file per source file. As columns: a
    plan of 100,000 episodes costs numpy calls."""
    n = len(episodes)
    start = np.fromiter((e.slice.start for e in episodes), np.float64, n)
    end = np.fromiter((e.slice.end for e in episodes), np.float64, n)
    # (first plan position, key, path, ranges in plan order, tolerance) per source file
    groups: list[tuple[int, str, Path, np.ndarray, np.ndarray, float]] = []
    for index, here, pos in _rows_by_source(episodes, indexes):
        fps = float(index.fps or 0) or 1.0
        for key, vc in index.table.videos.items():
            files = vc.file[pos].astype(np.int64)
            has = files >= 0
            at, files = here[has], files[has]
            if not len(at):
                continue
            offset = vc.from_s[pos[has]]
            lo, hi = offset + start[at] / fps, offset + end[at] / fps
            order = np.argsort(files, kind="stable")  # plan order kept within each file
            files, at, lo, hi = files[order], at[order], lo[order], hi[order]
            cuts = np.flatnonzero(np.diff(files)) + 1
            for f_at, f_lo, f_hi, f in zip(
                np.split(at, cuts), np.split(lo, cuts), np.split(hi, cuts), files[np.r_[0, cuts]], strict=True
            ):
                groups.append((int(f_at[0]), key, vc.paths[int(f)], f_lo, f_hi, 0.5 / fps))
    out = []
    for _first, key, path, lo, hi, tolerance in sorted(groups, key=lambda g: g[0]):
        if (lo[1:] < hi[:-1] - tolerance).any():
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


def incomplete_episodes(
    plan_episodes: list[WorkingEpisode], indexes: dict[str, DatasetIndex]
) -> dict[int, list[str]]:
    """New position -> cameras whose video file is missing (the save keeps their references)."""
    missing: dict[int, list[str]] = {}
    for index, here, pos in _rows_by_source(plan_episodes, indexes):
        for key in sorted(index.table.videos):
            vc = index.table.videos[key]
            files = vc.file[pos].astype(np.int64)
            gone = files >= 0
            gone[gone] = ~vc.exists[files[gone]]
            for p in here[gone].tolist():
                missing.setdefault(p, []).append(key)
    return {p: sorted(missing[p]) for p in sorted(missing)}
