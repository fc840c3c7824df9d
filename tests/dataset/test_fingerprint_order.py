"""The "changed on disk" fingerprint is taken before the metadata is read, on the app's paths too:
a save by someone else that lands around the read is caught at Save, never passed with an old index."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from leropilot_gl.dataset import open_dataset
from leropilot_gl.dataset.journal import (
    EditError,
    EditSession,
    meta_fingerprint,
    open_for_edit,
    read_fingerprint,
    remember_fingerprint,
)
from leropilot_gl.dataset.save import save
from leropilot_gl.editor_state import EditorState
from tests.conftest import copy_dataset


def _someone_else_deletes(root: Path, journals: Path, uid: str = "e0") -> None:
    other = EditSession(journals)
    other.attach(open_dataset(root))
    other.delete(root, [uid])
    save(other, root)


def test_a_change_between_fingerprint_and_read_is_caught_at_save(sample_uneven: Path, tmp_path: Path) -> None:
    root = copy_dataset(sample_uneven, tmp_path, "uneven")
    fingerprint = meta_fingerprint(root)  # what open_for_edit does first ...
    _someone_else_deletes(root, tmp_path / "other")  # ... a save lands here ...
    index = remember_fingerprint(open_dataset(root), fingerprint)  # ... then the read
    assert read_fingerprint(index) == fingerprint

    s = EditSession(tmp_path / "journals")
    s.attach(index)  # no fingerprint given: the one taken before the read is used
    s.delete(root, ["e1"])
    with pytest.raises(EditError, match="changed on disk"):
        save(s, root)
    assert len(open_dataset(root).episodes) == 3  # only the other save's delete landed


def test_the_app_attaching_later_keeps_the_fingerprint_of_the_read(
    sample_uneven: Path, tmp_path: Path
) -> None:
    """The app reads the index in a worker and attaches it frames later: a save landing between
    the two used to pass the check (the fingerprint was taken at attach, after the change)."""
    root = copy_dataset(sample_uneven, tmp_path, "uneven")
    index = open_for_edit(root)  # the open worker (AppState.open_dataset_async)
    _someone_else_deletes(root, tmp_path / "other")
    ed = EditorState(session=EditSession(tmp_path / "journals"))
    with ThreadPoolExecutor(1) as executor:
        while not ed.attached(root) or ed.attaching:
            ed.sync([index], executor)
            time.sleep(0.01)
    assert ed.session.journal(root).fingerprint != meta_fingerprint(root)
    ed.session.delete(root, ["e3"])
    with pytest.raises(EditError, match="changed on disk"):
        save(ed.session, root)
    lengths = [e.length for e in open_dataset(root).episodes]
    assert lengths == [45, 12, 33], "the other save's result stays; the stale edit wrote nothing"


def test_an_index_read_after_the_fingerprint_of_an_unchanged_dataset_saves(
    sample_uneven: Path, tmp_path: Path
) -> None:
    root = copy_dataset(sample_uneven, tmp_path, "uneven")
    s = EditSession(tmp_path / "journals")
    s.attach(open_for_edit(root))
    s.delete(root, ["e2"])
    result = save(s, root, fast=True)
    assert result.episodes == 3
    assert s.journal(root).fingerprint == meta_fingerprint(root)
