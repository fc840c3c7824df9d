"""Carrying out one frozen plan safely: under the dataset lock, checked against what is on disk,
written beside the dataset, put in episode order, opened again as a check, and swapped in
atomically after the files it replaces went to a backup. Numbered crash points let the
crash-safety test kill the process at every step."""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from leropilot_gl.dataset.backup import Backup, swap_in
from leropilot_gl.dataset.fsio import fsync_dir, fsync_tree
from leropilot_gl.dataset.journal import (
    EditError,
    meta_fingerprint,
    remember_fingerprint,
    write_saving_marker,
)
from leropilot_gl.dataset.lock import DatasetLock, staging_path
from leropilot_gl.dataset.open import open_dataset
from leropilot_gl.dataset.problems import Severity
from leropilot_gl.dataset.save.plan import (
    ProgressFn,
    SaveCancelled,
    SavePlan,
    SaveResult,
    incomplete_episodes,
)
from leropilot_gl.dataset.save.write import write_dataset

KILL_AT_ENV = "LEROPILOT_GL_SAVE_KILL_AT"  # fault injection for the crash-safety test: kill at step N


def write_plan(
    plan: SavePlan,
    *,
    progress: ProgressFn | None = None,
    cancelled: Callable[[], bool] | None = None,
    on_swap: Callable[[Backup | None, str], None] | None = None,
) -> SaveResult:
    """Carry out a frozen plan: build the new version beside the dataset, carry the user's files
    over, back up the owned files it replaces, and swap it in under the dataset lock."""
    started = time.perf_counter()
    report = progress or (lambda _f, _t: None)
    is_cancelled = cancelled or (lambda: False)
    crash = CrashPoints()
    root = plan.root
    with DatasetLock(root):
        crash.step()
        if plan.on_disk:  # never swap a folder that a recording is still writing into
            from leropilot_gl.dataset.watch import writer_activity

            busy = writer_activity(root)
            if busy:
                raise EditError(f"{root.name} cannot be saved now: {busy}")
        check_unchanged(plan)
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
            result = write_dataset(staging, plan, plan.indexes, report, is_cancelled, crash)
            if result.noncanonical_videos and not plan.fast:
                _make_canonical(staging, root, result, report)
                if is_cancelled():
                    raise SaveCancelled()
            report(0.9, "checking the new dataset")
            check_written(staging, plan)
            crash.step()
            if is_cancelled():
                raise SaveCancelled()
            new_fingerprint = meta_fingerprint(staging)

            def before_swap(backup: Backup) -> None:  # under the lock, right before the swap
                check_unchanged(plan)
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


def check_unchanged(plan: SavePlan) -> None:
    if plan.on_disk and meta_fingerprint(plan.root) != plan.fingerprint:
        raise EditError(f"{plan.root} changed on disk since it was opened; reopen it before saving")


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


class CrashPoints:
    """Numbered steps of every save in this process (a move's two saves count on)."""

    count = 0

    def __init__(self) -> None:
        self.kill_at = int(os.environ.get(KILL_AT_ENV) or 0)

    def step(self) -> None:
        CrashPoints.count += 1
        if self.kill_at and CrashPoints.count == self.kill_at:
            import signal

            os.kill(os.getpid(), signal.SIGKILL)


def check_written(out: Path, plan: SavePlan) -> None:
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
