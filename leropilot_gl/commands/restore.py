"""`leropilot-gl restore DATASET [--list] [--id ID]`: bring a dataset back to how it was before a save.

Every save, compact and restore keeps the files it replaces (the data parquet, the meta/ files of
the LeRobot format, the mp4s Compact rewrote) as a backup in the app's own folder; the user's other
files are never touched. A restore is atomic, under the same lock as a save, and is itself backed
up, so it can be taken back with another restore.
"""

from __future__ import annotations

import argparse
from pathlib import Path


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "restore",
        help="bring a dataset back to the version before a save (--list shows the versions kept)",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("dataset", help="dataset folder")
    parser.add_argument("--list", action="store_true", help="list the versions kept, newest first")
    parser.add_argument(
        "--id", dest="backup_id", default=None, help="the version to restore (default: newest)"
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from leropilot_gl.dataset.backup import RestoreError, backups_dir, list_backups, restore
    from leropilot_gl.dataset.lock import DatasetLockedError, remove_leftover_staging

    try:
        root = Path(args.dataset).expanduser().resolve()
    except (OSError, RuntimeError) as exc:  # a symlink loop, an unreadable path
        print(f"error: {args.dataset}: {exc}")
        return 2
    if args.list:
        backups = list_backups(root)
        if not backups:
            print(f"{root.name}: no earlier version kept")
            return 0
        print(f"{root.name}: {len(backups)} earlier version(s), newest first (in {backups_dir(root)}):")
        for b in backups:
            print(f"  {b.label()}")
        return 0
    try:
        remove_leftover_staging(root)
        chosen = restore(root, args.backup_id)
    except (RestoreError, DatasetLockedError) as exc:
        print(f"error: {exc}")
        print("nothing was changed")
        return 2
    except OSError as exc:
        print(f"error: {exc.filename}: {exc.strerror}" if exc.filename else f"error: {exc}")
        print("nothing was changed")
        return 2
    print(f"restored {root.name} to the version before {chosen.kind} {chosen.id} ({chosen.summary})")
    print("the version it replaced is kept too: `leropilot-gl restore --list` shows it")
    return 0
