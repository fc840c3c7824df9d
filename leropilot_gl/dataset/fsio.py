"""File-system steps every writer in dataset/ shares: one atomic write (with fsync), hard link or
copy, fsync of a tree, and the atomic swap of two folders. Portable: Linux, macOS and Windows (no fcntl, no renameat2-only path).
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import shutil
import sys
from pathlib import Path
from typing import Any

ASIDE_SUFFIX = ".leropilot-old"


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write a file so that a crash (or a power loss) leaves either the old or the new content."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    fsync_dir(path.parent)


def atomic_write_text(path: Path, text: str) -> None:
    atomic_write_bytes(path, text.encode("utf-8"))


def atomic_write_json(path: Path, data: Any, *, indent: int | None = 4) -> None:
    """JSON as LeRobot writes its meta files (indent 4), atomically."""
    atomic_write_text(path, json.dumps(data, indent=indent))


def link_or_copy(src: Path, dst: Path, *, follow_symlinks: bool = True) -> bool:
    """Hard link dst to src (same inode: no bytes copied, permissions and timestamps kept) or,
    across file systems, a copy with its metadata. True when linked.

    follow_symlinks=True links or copies the file a symlink points at (an mp4 in the Hub cache is
    a symlink into its blobs); False recreates the symlink itself (a user's file carried over)."""
    try:
        os.link(src, dst, follow_symlinks=follow_symlinks)
        return True
    except OSError:
        shutil.copy2(src, dst, follow_symlinks=follow_symlinks)
        if not follow_symlinks and os.path.islink(dst):
            with contextlib.suppress(OSError, NotImplementedError):
                st = os.lstat(src)
                os.utime(dst, ns=(st.st_atime_ns, st.st_mtime_ns), follow_symlinks=False)
        return False


def _fsync_path(path: str | Path) -> None:
    """fsync a file or folder; a no-op where it cannot be opened (folders on Windows)."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def fsync_dir(path: Path) -> None:
    """Make a folder's entries durable (a no-op where folders cannot be opened, e.g. Windows)."""
    _fsync_path(path)


def fsync_tree(root: Path) -> None:
    """fsync every regular file and folder under root, so a swap never exposes unwritten bytes."""
    for folder, _dirs, files in os.walk(root):
        for name in files:
            path = os.path.join(folder, name)
            if not os.path.islink(path):
                _fsync_path(path)
        fsync_dir(Path(folder))


def aside_path(root: Path) -> Path:
    root = Path(root)
    return root.parent / f".{root.name}{ASIDE_SUFFIX}"


def exchange(new: Path, root: Path) -> None:
    """Swap the folders `new` and `root`: afterwards root holds the new dataset and `new` the old.

    Linux: one renameat2(RENAME_EXCHANGE), atomic. Elsewhere (or on a file system without it): two
    renames through an aside folder; a crash between them leaves root missing and the aside folder
    whole, which recover_swap() puts back on the next start."""
    new, root = Path(new), Path(root)
    if sys.platform.startswith("linux") and _renameat2_exchange(new, root):
        fsync_dir(root.parent)
        return
    aside = aside_path(root)
    if aside.exists():
        shutil.rmtree(aside)
    os.replace(root, aside)
    try:
        os.replace(new, root)
    except BaseException:
        os.replace(aside, root)
        raise
    os.replace(aside, new)
    fsync_dir(root.parent)


def recover_swap(root: Path) -> str | None:
    """Finish what a two-rename swap killed half way left: the old dataset goes back in place."""
    root = Path(root)
    aside = aside_path(root)
    if not aside.exists():
        return None
    if not root.exists():
        os.replace(aside, root)
        return f"a save of {root.name} was interrupted; the dataset as it was before is back in place"
    shutil.rmtree(aside, ignore_errors=True)
    return None


_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def _renameat2_exchange(a: Path, b: Path) -> bool:
    """True when swapped; False when this kernel or file system cannot (the caller falls back)."""
    import ctypes

    try:
        libc = ctypes.CDLL(None, use_errno=True)
    except OSError:
        return False
    fn = getattr(libc, "renameat2", None)
    if fn is None:
        return False
    if fn(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP, errno.EOPNOTSUPP):
        return False
    raise OSError(err, f"atomic swap of {a} and {b} failed: {os.strerror(err)}")
