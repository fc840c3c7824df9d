"""VideoColumns.files_out_of_order (behind the "episodes out of order" warning of `info`, the
doctor and the tree) agrees with a plain walk over the episodes, and finds a fast save's swap."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from leropilot_gl.dataset import EditSession, open_dataset, save
from leropilot_gl.dataset.compact import video_order_warnings
from leropilot_gl.dataset.model import VideoColumns
from tests.conftest import copy_dataset


def _walk(vc: VideoColumns, tolerance_s: float) -> list[int]:
    """The per-episode loop the columnar version replaces: files in order of first appearance."""
    by_file: dict[int, list[tuple[float, float]]] = {}
    for row in range(len(vc.file)):
        if vc.file[row] >= 0:
            by_file.setdefault(int(vc.file[row]), []).append((vc.from_s[row], vc.to_s[row]))
    return [
        f
        for f, ranges in by_file.items()
        if any(b[0] < a[1] - tolerance_s for a, b in zip(ranges, ranges[1:], strict=False))
    ]


def test_columnar_order_check_matches_the_walk() -> None:
    rng = np.random.default_rng(7)
    for trial in range(200):
        n = int(rng.integers(0, 40))
        files = int(rng.integers(1, 5))
        file = rng.integers(-1, files, n).astype(np.int32)
        length = rng.uniform(0.1, 2.0, n)
        # mostly in order, file by file; some rows swapped or overlapping
        from_s = np.zeros(n)
        for f in range(files):
            rows = np.flatnonzero(file == f)
            from_s[rows] = np.concatenate([[0.0], np.cumsum(length[rows])[:-1]])
        if n and trial % 2:
            a, b = rng.integers(0, n, 2)
            from_s[[a, b]] = from_s[[b, a]]
        if n and trial % 3 == 0:
            from_s[rng.integers(0, n)] = np.nan
        vc = VideoColumns(
            file, from_s, from_s + length, [Path(f"f{i}") for i in range(files)], np.ones(files, bool)
        )
        assert vc.files_out_of_order(1 / 60) == _walk(vc, 1 / 60), (trial, file, from_s)


def test_fast_save_swap_is_reported_once_per_camera(sample_uneven: Path, tmp_path: Path) -> None:
    root = copy_dataset(sample_uneven, tmp_path, "uneven")
    assert video_order_warnings(open_dataset(root)) == []
    session = EditSession(tmp_path / "journals")
    session.attach(open_dataset(root))
    session.swap(root, "e0", "e3")
    save(session, root, fast=True)
    index = open_dataset(root)
    warnings = video_order_warnings(index)
    assert len(warnings) == len(index.video_keys)
    for key, text in zip(index.video_keys, warnings, strict=True):
        assert f"videos/{key}/" in text and "out of order" in text
