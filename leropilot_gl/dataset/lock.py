"""A per-dataset write lock that other processes and other instances respect.

The lock file sits beside the dataset folder (never inside it) and is held with flock, so the
kernel releases it when the holder dies: a killed save never leaves a stale lock.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import socket
from pathlib import Path


class DatasetLockedError(RuntimeError):
    """Another save (in this or another process) is writing the dataset."""


STAGING_SUFFIX = ".leropilot-save"


def staging_path(root: Path) -> Path:
    """Where a save builds the new dataset, beside the old one (after the swap: the old one)."""
    root = Path(root).resolve()
    return root.parent / f".{root.name}{STAGING_SUFFIX}"


def remove_leftover_staging(root: Path) -> bool:
    """Remove what a killed save left beside the dataset (never while a save holds the lock)."""
    staging = staging_path(root)
    if not staging.exists() or is_locked(root):
        return False
    shutil.rmtree(staging, ignore_errors=True)
    return True


def lock_path(root: Path) -> Path:
    root = Path(root).resolve()
    return root.parent / f".{root.name}.leropilot-lock"


class DatasetLock:
    """`with DatasetLock(root):` holds the dataset's write lock or raises DatasetLockedError."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root).resolve()
        self.path = lock_path(self.root)
        self._fd: int | None = None

    def acquire(self) -> None:
        if self._fd is not None:
            raise DatasetLockedError(f"{self.root} is already locked by this save")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = ""
            with contextlib.suppress(OSError):
                holder = os.pread(fd, 200, 0).decode(errors="replace").strip()
            os.close(fd)
            raise DatasetLockedError(
                f"{self.root} is being written by another save ({holder or 'unknown process'}); "
                "wait for it to finish"
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"pid {os.getpid()} on {socket.gethostname()}".encode(), 0)
        self._fd = fd

    def release(self) -> None:
        if self._fd is None:
            return
        fd, self._fd = self._fd, None
        try:
            os.ftruncate(fd, 0)
            fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)

    def __enter__(self) -> DatasetLock:
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


def is_locked(root: str | Path) -> bool:
    """True while some process holds the dataset's write lock."""
    path = lock_path(Path(root))
    if not path.is_file():
        return False
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)
    return False
