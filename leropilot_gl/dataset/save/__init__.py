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

The package, by responsibility: plan.py (SavePlan, plan_save, the confirmation's lines),
write.py (the new dataset written into a fresh folder), reindex.py (where each episode comes from,
its rows re-indexed), stats.py (per-episode and dataset stats), columns.py (the episodes table as
columns), swap.py (one plan carried out under the lock: check, backup, atomic swap, crash points).
Here: the entry points (save, save_all, write_plans) and every name other modules import.
Import the modules as `from leropilot_gl.dataset.save.write import ...`: the package's own
attribute `leropilot_gl.dataset.save` is the function `save` (leropilot_gl.dataset exports it).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from leropilot_gl.dataset.journal import EditSession
from leropilot_gl.dataset.save.plan import (
    ProgressFn,
    SaveCancelled,
    SavePlan,
    SaveResult,
    describe_changes,
    incomplete_episodes,
    plan_save,
    predict_out_of_order,
)
from leropilot_gl.dataset.save.stats import QUANTILES, aggregate_stats, feature_stats
from leropilot_gl.dataset.save.swap import KILL_AT_ENV, write_plan
from leropilot_gl.dataset.save.write import DEFAULT_DATA_FILE_MB, DEFAULT_VIDEO_FILE_MB

__all__ = [
    "DEFAULT_DATA_FILE_MB",
    "DEFAULT_VIDEO_FILE_MB",
    "KILL_AT_ENV",
    "QUANTILES",
    "ProgressFn",
    "SaveCancelled",
    "SavePlan",
    "SaveResult",
    "aggregate_stats",
    "describe_changes",
    "feature_stats",
    "incomplete_episodes",
    "plan_save",
    "predict_out_of_order",
    "save",
    "save_all",
    "write_plan",
    "write_plans",
]


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
