"""The meta fingerprint: which dataset on disk a journal's edits apply to, and how an index read
for editing remembers the fingerprint taken just before it was read."""

from __future__ import annotations

import hashlib
import weakref
from pathlib import Path
from typing import Any

from leropilot_gl.dataset.model import DatasetIndex


def meta_fingerprint(root: Path) -> str:
    """A hash of the LeRobot files under meta/ (the ones a save owns): changes whenever a save
    rewrites the dataset, not when the user edits their own files there (meta/custom.json)."""
    from leropilot_gl.dataset.backup import is_owned

    digest = hashlib.sha256()
    meta = Path(root) / "meta"
    files = sorted(p for p in meta.rglob("*") if p.is_file()) if meta.is_dir() else ()
    for path in files:
        rel = path.relative_to(meta).as_posix()
        if not is_owned(f"meta/{rel}"):
            continue
        digest.update(rel.encode() + b"\0")
        digest.update(path.read_bytes())
    return digest.hexdigest()[:24]


# id(index) -> (weak reference to the index, meta fingerprint taken just before it was read)
_READ_FINGERPRINTS: dict[int, tuple[weakref.ref, str]] = {}


def remember_fingerprint(index: DatasetIndex, fingerprint: str) -> DatasetIndex:
    """Record the meta fingerprint taken BEFORE index was read, for attach to use later (the index
    may be attached frames later, after another process saved the dataset: fingerprinting then
    would pass the "changed on disk" check with an old index). Returns index."""
    key = id(index)

    def drop(ref: weakref.ref, key: int = key) -> None:
        entry = _READ_FINGERPRINTS.get(key)
        if entry is not None and entry[0] is ref:
            _READ_FINGERPRINTS.pop(key, None)

    _READ_FINGERPRINTS[key] = (weakref.ref(index, drop), fingerprint)
    return index


def read_fingerprint(index: DatasetIndex) -> str | None:
    """The fingerprint remember_fingerprint recorded for this very index, or None."""
    entry = _READ_FINGERPRINTS.get(id(index))
    if entry is not None and entry[0]() is index:
        return entry[1]
    return None


def open_for_edit(root: str | Path) -> DatasetIndex:
    """open_dataset with the meta fingerprint taken first: every index the app may attach for
    editing is read this way (open, Hub open and fetch, reopen after a restore)."""
    from leropilot_gl.dataset.open import open_dataset

    fingerprint = meta_fingerprint(Path(root))
    return remember_fingerprint(open_dataset(root), fingerprint)


def episode_signatures(index: DatasetIndex) -> dict[str, list[Any]]:
    """uid -> [length, data file (relative), first row, last row]: equal when the episode's frames
    are where they were."""
    # From the index's columns, each data path made relative once per distinct file (100,000
    # episodes in tens of ms, where one EpisodeIndex object per episode cost seconds).
    root = Path(index.root)
    table = index.table

    def relative(path: Path) -> str:
        try:
            return Path(path).relative_to(root).as_posix()
        except ValueError:
            return str(path)

    files = [relative(p) for p in table.data_paths]
    return {
        f"e{ep}": [n, files[f], start, end]
        for ep, n, f, start, end in zip(
            table.episode_index.tolist(),
            table.length.tolist(),
            table.data_file.tolist(),
            table.row_start.tolist(),
            table.row_end.tolist(),
            strict=True,
        )
    }
