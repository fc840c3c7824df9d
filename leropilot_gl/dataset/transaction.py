"""Saving several datasets as one transaction (a move between datasets, a split, Save all).

A move is an insert in the destination and a delete in the source: two saves. A kill between them
would leave the episode in both datasets. So the saves of one Save run record, before each swap,
the backup and the fingerprints of the dataset they replace in a transaction file beside the
journals. When the run finishes the file is removed. When the next start finds the file, the run
was interrupted: every dataset whose swap landed is put back from its backup (a new dataset is
removed), so each dataset is as it was before the run and its journal is pending again.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path
from typing import TYPE_CHECKING

from leropilot_gl.dataset.backup import Backup, restore
from leropilot_gl.dataset.fsio import atomic_write_text
from leropilot_gl.dataset.journal import EditError, meta_fingerprint
from leropilot_gl.dataset.lock import DatasetLock

if TYPE_CHECKING:
    from collections.abc import Callable

    from leropilot_gl.dataset.save import ProgressFn, SavePlan, SaveResult

TXN_GLOB = "txn-*.json"


class Transaction:
    """The record of one multi-dataset save run (written atomically before every swap)."""

    def __init__(self, journal_dir: Path, roots: list[Path]) -> None:
        self.path = Path(journal_dir) / f"txn-{os.getpid()}-{time.time_ns()}.json"
        self.data: dict = {"roots": [str(r) for r in roots], "swaps": [], "complete": False}
        self._write()

    def swapping(self, root: Path, backup: Backup | None, old: str, new: str) -> None:
        self.data["swaps"].append(
            {"root": str(root), "backup": backup.id if backup else None, "old": old, "new": new}
        )
        self._write()

    def finish(self) -> None:
        self.path.unlink(missing_ok=True)

    def _write(self) -> None:
        atomic_write_text(self.path, json.dumps(self.data, indent=1))


def write_transaction(
    plans: list[SavePlan],
    journal_dir: Path,
    *,
    progress: ProgressFn | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> list[SaveResult]:
    """Carry out frozen plans (made on the thread that owns the session) as one transaction; the
    caller marks the datasets saved. Never reads the live session."""
    from leropilot_gl.dataset.save import write_plan

    if len(plans) < 2:
        return [write_plan(p, progress=progress, cancelled=cancelled) for p in plans]
    txn = Transaction(journal_dir, [p.root for p in plans])
    results = []
    try:
        for plan in plans:

            def on_swap(
                backup: Backup | None, new: str, root: Path = plan.root, old: str = plan.fingerprint
            ) -> None:
                txn.swapping(root, backup, old, new)

            results.append(write_plan(plan, progress=progress, cancelled=cancelled, on_swap=on_swap))
    except BaseException:
        # Put back what landed; the journals stay pending and describe the datasets as they are again.
        recover_transactions(journal_dir, only=txn.path)
        raise
    txn.finish()
    return results


def recover_transactions(journal_dir: str | Path, *, only: Path | None = None) -> list[str]:
    """Roll back every interrupted multi-dataset save; returns what was done, for a notice."""
    journal_dir = Path(journal_dir)
    paths = [only] if only is not None else sorted(journal_dir.glob(TXN_GLOB)) if journal_dir.is_dir() else []
    notices = []
    for path in paths:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            swaps = list(data["swaps"])
        except (OSError, ValueError, KeyError, TypeError):
            path.unlink(missing_ok=True)  # written atomically: unreadable means not ours
            continue
        landed = []
        for swap in swaps:
            root = Path(swap["root"])
            if root.is_dir() and _fingerprint(root) == swap["new"]:
                landed.append(swap)
        if len(landed) == len(data["roots"]):
            path.unlink(missing_ok=True)  # every save landed: the run was complete
            continue
        for swap in reversed(landed):
            root = Path(swap["root"])
            try:
                if swap["backup"] is None:
                    with DatasetLock(root):
                        shutil.rmtree(root)
                    notices.append(
                        f"removed {root.name}: its save was interrupted with the others of one run"
                    )
                else:
                    restore(root, swap["backup"])
                    notices.append(
                        f"{root.name} was put back as it was before an interrupted save of several datasets; "
                        "its edits are pending again"
                    )
            except (OSError, EditError, ValueError, RuntimeError) as exc:
                notices.append(f"could not roll back {root.name} after an interrupted save: {exc}")
                break
        else:
            path.unlink(missing_ok=True)
    return notices


def _fingerprint(root: Path) -> str:
    try:
        return meta_fingerprint(root)
    except OSError:
        return ""
