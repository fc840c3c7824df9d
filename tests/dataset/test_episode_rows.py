"""The tree's rows of an unedited journal come from the base's columns; they must equal the walk."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from leropilot_gl.dataset.episode_rows import rows_working
from leropilot_gl.dataset.journal import EditSession, open_for_edit

DATA = Path(__file__).resolve().parents[1] / "data" / "datasets"


@pytest.mark.parametrize("name", sorted(p.name for p in DATA.iterdir() if (p / "meta").is_dir()))
def test_rows_from_base_columns_equal_the_walk(name: str, tmp_path: Path) -> None:
    root = DATA / name
    index = open_for_edit(root)
    session = EditSession(tmp_path / "journals")
    session.attach(index)
    working = session.journal(root).working()
    assert getattr(working, "columns", None) is not None  # the fast path is the one taken
    fast = rows_working(index, working)
    walked = rows_working(index, list(working))  # a plain list: every episode read one by one
    for column in ("episode_index", "length", "source_pos", "problem_count", "worst"):
        assert np.array_equal(getattr(fast, column), getattr(walked, column)), column
    assert fast.uids == walked.uids

    # after an edit the working list is no longer the base: rows follow the edit
    session.delete(root, [working[0].uid])
    edited = session.journal(root).working()
    assert getattr(edited, "columns", None) is None
    rows = rows_working(index, edited)
    assert len(rows.uids) == len(working) and edited[0].deleted
