"""A per-dataset write lock that other processes and other instances respect.

The lock file lives in the app's own folder (keyed by the dataset's path), never beside or inside
the dataset: nothing is left next to a dataset, and a read-only parent folder does not stop a save.
The OS releases the lock when the holder dies, so a killed save never leaves a stale lock.
Portable: flock on Linux and macOS, msvcrt byte locks on Windows (imported only where used).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import socket
from pathlib import Path

from leropilot_gl.paths import user_config_dir


class DatasetLockedError(RuntimeError):
    """Another save (in this or another process) is writing the dataset."""


STAGING_SUFFIX = ".leropilot-save"
_HOLDER_OFFSET = 16  # Windows locks byte 0; who holds the lock is written after it


def staging_path(root: Path) -> Path:
    """Where a save builds the new dataset, beside the old one (after the swap: the old one)."""
    root = Path(root).resolve()
    return root.parent / f".{root.name}{STAGING_SUFFIX}"


def remove_leftover_staging(root: Path) -> bool:
    """Remove what a killed save left beside the dataset (never while a save holds the lock)."""
    from leropilot_gl.dataset.fsio import recover_swap

    root = Path(root).resolve()
    if is_locked(root):
        return False
    recovered = recover_swap(root) is not None
    staging = staging_path(root)
    if not staging.exists():
        return recovered
    shutil.rmtree(staging, ignore_errors=True)
    return True


def lock_path(root: Path) -> Path:
    key = hashlib.sha256(str(Path(root).resolve()).encode()).hexdigest()[:24]
    return user_config_dir() / "locks" / f"{key}.lock"


def _try_lock(fd: int) -> bool:
    if os.name == "nt":
        import msvcrt

        os.lseek(fd, 0, os.SEEK_SET)
        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True
    import fcntl

    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def _unlock(fd: int) -> None:
    if os.name == "nt":
        import msvcrt

        os.lseek(fd, 0, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)
        return
    import fcntl

    fcntl.flock(fd, fcntl.LOCK_UN)


def _read_holder(fd: int) -> str:
    try:
        os.lseek(fd, _HOLDER_OFFSET, os.SEEK_SET)
        return os.read(fd, 200).decode(errors="replace").strip("\0 \n")
    except OSError:
        return ""


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
        if not _try_lock(fd):
            holder = _read_holder(fd)
            os.close(fd)
            raise DatasetLockedError(
                f"{self.root} is being written by another save ({holder or 'unknown process'}); "
                "wait for it to finish"
            )
        text = f"pid {os.getpid()} on {socket.gethostname()}".encode()
        os.lseek(fd, _HOLDER_OFFSET, os.SEEK_SET)
        os.write(fd, text.ljust(200, b"\0"))
        self._fd = fd

    def release(self) -> None:
        if self._fd is None:
            return
        fd, self._fd = self._fd, None
        try:
            os.lseek(fd, _HOLDER_OFFSET, os.SEEK_SET)
            os.write(fd, b"\0" * 200)
            _unlock(fd)
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
        fd = os.open(path, os.O_RDWR)
    except OSError:
        return False
    try:
        if not _try_lock(fd):
            return True
        _unlock(fd)
        return False
    finally:
        os.close(fd)
