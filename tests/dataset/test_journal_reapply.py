"""A dataset that changed on disk under its journal: what changed is said, the edits of unchanged
episodes are re-applied, the others set aside (listed, kept in a file)."""

from __future__ import annotations

import json
from pathlib import Path

from leropilot_gl.dataset import open_dataset
from leropilot_gl.dataset.journal import EditSession, pending_roots
from leropilot_gl.dataset.save import save
from tests.conftest import copy_dataset


def test_changed_on_disk_reapplies_what_still_applies(sample_uneven: Path, tmp_path: Path) -> None:
    root = copy_dataset(sample_uneven, tmp_path, "uneven").resolve()
    journals = tmp_path / "journals"
    pending = EditSession(journals)
    pending.attach(open_dataset(root))
    pending.trim(root, "e1", 5, 40)
    pending.delete(root, ["e3"])
    pending.duplicate(root, "e0")
    assert pending_roots(journals) == [root]

    # Another program (here: another session) removes the last episode on disk.
    other = EditSession(tmp_path / "other-journals")
    other.attach(open_dataset(root))
    other.delete(root, ["e3"])
    save(other, root)

    again = EditSession(journals)
    notice = again.attach(open_dataset(root)) or ""
    assert "changed on disk (removed: 3)" in notice, notice
    assert "re-applied 2 of 3 pending edit(s)" in notice and "set aside: delete episode 3" in notice
    episodes = again.episodes(root)
    assert [(e.uid, e.slice.start, e.slice.end) for e in episodes if not e.deleted] == [
        ("e0", 0, 20),
        (episodes[1].uid, 0, 20),
        ("e1", 5, 40),
        ("e2", 0, 12),
    ]
    stale = [p for p in journals.glob("*.stale-*.json")]
    assert len(stale) == 1 and len(json.loads(stale[0].read_text())["ops"]) == 3  # recoverable
    assert pending_roots(journals) == [root]


def test_an_edit_that_could_not_be_saved_is_refused_when_made(real_data: Path, tmp_path: Path) -> None:
    import pytest

    from leropilot_gl.dataset.journal import EditError

    root = copy_dataset(real_data / "datasets" / "koch_screwdriver_v2.1_novideo", tmp_path, "koch")
    (root / "data" / "chunk-000" / "episode_000001.parquet").unlink()
    s = EditSession(tmp_path / "journals")
    s.attach(open_dataset(root))
    with pytest.raises(EditError, match="episode 1 of koch has unreadable data.*delete that episode first"):
        s.trim(root, "e0", 2, 30)
    assert not s.journal(root).dirty
    s.delete(root, ["e1"])  # the natural fix is accepted
    s.trim(root, "e0", 2, 30)
    save(s, root)
    assert [e.length for e in open_dataset(root).episodes][0] == 28
