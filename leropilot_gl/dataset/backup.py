"""What a save owns in a dataset folder, what it carries over untouched, and how it can be taken back.

A save (or compact, or restore) writes only the files of the LeRobot format it owns:
  - data/**/*.parquet                      the frames
  - videos/**/*.mp4                        the camera files (hard-linked, rewritten only by Compact)
  - meta/info.json, meta/stats.json, meta/tasks.parquet, meta/episodes/**/*.parquet   (v3.0)
  - meta/episodes.jsonl, meta/tasks.jsonl, meta/episodes_stats.jsonl                  (v2.x)
Every other file and folder of the dataset (README.md, LICENSE, .gitattributes, .git/, notes,
meta/custom.json, images/, hidden files) is carried over byte for byte, with its permissions and
timestamps (hard links where the file system allows, so the same inode).

Before each swap the owned files of the version being replaced go to a backup in the app's own
folder (<config>/leropilot-gl/backups/<key of the dataset path>/<id>/), hard-linked where the file
system allows, so a backup costs almost nothing. The last few are kept (DEFAULT_KEEP, or
LEROPILOT_GL_BACKUPS_KEPT). restore() brings one back atomically, under the dataset lock, after
backing up the version it replaces: a restore can itself be taken back.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from leropilot_gl.dataset import fsio
from leropilot_gl.dataset.fsio import atomic_write_text, exchange, fsync_tree
from leropilot_gl.dataset.lock import DatasetLock, staging_path
from leropilot_gl.paths import user_config_dir

BACKUP_DIR_ENV = "LEROPILOT_GL_BACKUP_DIR"
BACKUPS_KEPT_ENV = "LEROPILOT_GL_BACKUPS_KEPT"
DEFAULT_KEEP = 5
MANIFEST = "backup.json"

OWNED_META_FILES = frozenset(
    {
        "meta/info.json",
        "meta/stats.json",
        "meta/tasks.parquet",
        "meta/tasks.jsonl",
        "meta/episodes.jsonl",
        "meta/episodes_stats.jsonl",
    }
)
OWNED_KINDS = (
    "data/**/*.parquet (frames)",
    "videos/**/*.mp4 (camera files; rewritten only by Compact)",
    "meta/info.json, meta/stats.json, meta/tasks.parquet, meta/episodes/**/*.parquet (v3.0)",
    "meta/episodes.jsonl, meta/tasks.jsonl, meta/episodes_stats.jsonl (v2.x, dropped by a v3.0 save)",
)


def is_owned(rel: str | PurePosixPath) -> bool:
    """True for a path (relative to the dataset root) that a save rewrites or drops."""
    rel = PurePosixPath(rel)
    parts = rel.parts
    if not parts:
        return False
    if rel.as_posix() in OWNED_META_FILES:
        return True
    if parts[0] == "meta" and len(parts) > 2 and parts[1] == "episodes" and rel.suffix == ".parquet":
        return True
    if parts[0] == "data" and rel.suffix == ".parquet":
        return True
    return parts[0] == "videos" and rel.suffix == ".mp4"


def owned_files(root: Path) -> list[str]:
    """Relative paths of the owned files present under root (symlinks are never followed)."""
    out = []
    for folder, dirs, files in os.walk(root):
        rel_folder = Path(folder).relative_to(root)
        for name in files:
            rel = (rel_folder / name).as_posix()
            if is_owned(rel):
                out.append(rel)
        dirs.sort()
    return sorted(out)


def link_or_copy(src: Path, dst: Path) -> bool:
    """Hard link (same inode: bytes, permissions and timestamps) or, across file systems, a copy
    with its metadata. True when linked. A symlink is recreated as a symlink."""
    return fsio.link_or_copy(src, dst, follow_symlinks=False)


def carry_over(root: Path, new: Path) -> int:
    """Bring every file and folder of root that a save does not own into the new version `new`
    (already holding the files the save wrote). Returns how many files were carried."""
    root, new = Path(root), Path(new)
    carried = 0
    folders: list[tuple[Path, Path]] = []
    for folder, dirs, files in os.walk(root):
        src_dir = Path(folder)
        rel_dir = src_dir.relative_to(root)
        dst_dir = new / rel_dir
        keep = [n for n in files if not is_owned((rel_dir / n).as_posix())]
        for name in list(dirs):
            if os.path.islink(src_dir / name):  # a symlinked folder is carried as a link
                keep.append(name)
                dirs.remove(name)
        if keep or not (files or dirs):  # a user's empty folder is kept; a format-only one is not
            dst_dir.mkdir(parents=True, exist_ok=True)
        for name in keep:
            dst = dst_dir / name
            if os.path.lexists(dst):
                continue
            link_or_copy(src_dir / name, dst)
            carried += 1
        folders.append((src_dir, dst_dir))
    # Folders last and deepest first: adding entries changes a folder's timestamps.
    for src_dir, dst_dir in reversed(folders):
        if dst_dir.is_dir() and (dst_dir == new or _holds_carried(src_dir, root)):
            with contextlib.suppress(OSError):
                shutil.copystat(src_dir, dst_dir, follow_symlinks=False)
    return carried


def _holds_carried(folder: Path, root: Path) -> bool:
    """A folder the format does not use (its timestamps are the user's, so they are kept)."""
    rel = folder.relative_to(root).parts
    return not rel or rel[0] not in ("data", "videos", "meta")


# ---------------------------------------------------------------------------- backups
@dataclass(frozen=True)
class Backup:
    id: str
    path: Path
    created: float
    kind: str  # "save", "compact", "restore"
    summary: str
    files: int

    def label(self) -> str:
        when = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(self.created))
        return f"{self.id}  {when}  before {self.kind}: {self.summary}"


def backup_root() -> Path:
    env = os.environ.get(BACKUP_DIR_ENV)
    return Path(env) if env else user_config_dir() / "backups"


def backups_dir(root: Path) -> Path:
    key = hashlib.sha256(str(Path(root).resolve()).encode()).hexdigest()[:20]
    return backup_root() / key


def backups_kept() -> int:
    try:
        return max(1, int(os.environ.get(BACKUPS_KEPT_ENV) or DEFAULT_KEEP))
    except ValueError:
        return DEFAULT_KEEP


def list_backups(root: Path) -> list[Backup]:
    """The dataset's backups, newest first."""
    folder = backups_dir(root)
    out = []
    if not folder.is_dir():
        return out
    for path in folder.iterdir():
        try:
            data = json.loads((path / MANIFEST).read_text(encoding="utf-8"))
            out.append(
                Backup(
                    path.name,
                    path,
                    float(data["created"]),
                    str(data["kind"]),
                    str(data["summary"]),
                    len(data["files"]),
                )
            )
        except (OSError, ValueError, KeyError, TypeError):
            continue
    return sorted(out, key=lambda b: b.id, reverse=True)


def make_backup(root: Path, kind: str, summary: str) -> Backup:
    """Keep the owned files of root as they are now (hard links). Built in a temporary folder and
    renamed into place, so a backup is whole or absent."""
    root = Path(root).resolve()
    folder = backups_dir(root)
    folder.mkdir(parents=True, exist_ok=True)
    atomic_write_text(folder / "dataset.txt", str(root) + "\n")
    backup_id = time.strftime("%Y%m%dT%H%M%S", time.gmtime()) + f"-{time.time_ns() % 10**9:09d}"
    tmp = folder / f".tmp-{backup_id}"
    files = owned_files(root)
    for rel in files:
        dst = tmp / rel
        dst.parent.mkdir(parents=True, exist_ok=True)
        link_or_copy(root / rel, dst)
    created = time.time()
    manifest = {"root": str(root), "created": created, "kind": kind, "summary": summary, "files": files}
    atomic_write_text(tmp / MANIFEST, json.dumps(manifest, indent=1))
    fsync_tree(tmp)
    os.replace(tmp, folder / backup_id)
    return Backup(backup_id, folder / backup_id, created, kind, summary, len(files))


def prune_backups(root: Path, keep: int | None = None) -> None:
    keep = backups_kept() if keep is None else keep
    for old in list_backups(root)[keep:]:
        shutil.rmtree(old.path, ignore_errors=True)
    folder = backups_dir(root)
    for tmp in folder.glob(".tmp-*") if folder.is_dir() else ():
        shutil.rmtree(tmp, ignore_errors=True)  # a backup a crash left half made


# ---------------------------------------------------------------------------- the swap
def swap_in(
    root: Path,
    new: Path,
    *,
    kind: str,
    summary: str,
    before_swap: Callable[[Backup], None] | None = None,
    crash: Callable[[], None] | None = None,
) -> Backup:
    """Make `new` (holding the files a save wrote) the dataset at root. The caller holds the lock.

    Carries the user's files over, fsyncs the new version, backs up the owned files of the old
    one, calls before_swap (the last "changed on disk" check and the journal marker), swaps the
    folders atomically and removes the old one. Returns the backup of the version replaced."""
    root, new = Path(root), Path(new)
    carry_over(root, new)
    fsync_tree(new)
    backup = make_backup(root, kind, summary)
    try:
        if crash:
            crash()
        if before_swap:
            before_swap(backup)
        exchange(new, root)
    except BaseException:  # not swapped (exchange puts things back): the backup is not needed
        shutil.rmtree(backup.path, ignore_errors=True)
        raise
    if crash:
        crash()
    shutil.rmtree(new, ignore_errors=True)  # now the old version (its owned files are in the backup)
    prune_backups(root)
    return backup


class RestoreError(ValueError):
    """A restore that cannot be done; the message says why. Nothing was changed."""


def restore(root: str | Path, backup_id: str | None = None) -> Backup:
    """Bring root back to the version a backup holds (the newest when backup_id is None).

    Atomic and under the dataset lock; the version replaced is itself backed up first, so the
    restore can be taken back. Returns the backup that was restored."""
    root = Path(root).expanduser().resolve()
    if not root.is_dir():
        raise RestoreError(f"{root} is not a dataset folder")
    backups = list_backups(root)
    if not backups:
        raise RestoreError(f"{root.name} has no earlier version to restore")
    chosen = backups[0] if backup_id is None else next((b for b in backups if b.id == backup_id), None)
    if chosen is None:
        ids = ", ".join(b.id for b in backups)
        raise RestoreError(f"no backup {backup_id!r} of {root.name} (there are: {ids})")
    with DatasetLock(root):
        staging = staging_path(root)
        if staging.exists():
            shutil.rmtree(staging)
        staging.mkdir(parents=True)
        try:
            data = json.loads((chosen.path / MANIFEST).read_text(encoding="utf-8"))
            for rel in data["files"]:
                dst = staging / rel
                dst.parent.mkdir(parents=True, exist_ok=True)
                link_or_copy(chosen.path / rel, dst)
            swap_in(root, staging, kind="restore", summary=f"restore of {chosen.id}")
        except BaseException:
            if staging.exists() and root.exists():
                shutil.rmtree(staging, ignore_errors=True)
            raise
    return chosen
